"""What the exporter and the importer say to a person, in English and
Spanish. Imported by every exchange module that raises or reports."""

from __future__ import annotations

from crm_tui.i18n import register

register(
    {
        "exchange.error.unknown_format": (
            "cannot read or write {suffix!r} files; use one of: {choices}",
            "no se pueden leer ni escribir archivos {suffix!r}; use uno de: {choices}",
        ),
        "exchange.error.no_folder": (
            "the folder {folder} does not exist",
            "la carpeta {folder} no existe",
        ),
        "exchange.error.cannot_write": (
            "cannot write {path}: {reason}",
            "no se puede escribir {path}: {reason}",
        ),
        "exchange.error.cannot_read": (
            "cannot read {path}: {reason}",
            "no se puede leer {path}: {reason}",
        ),
        "exchange.error.not_utf8": (
            "{path} is not UTF-8 text; save it as CSV UTF-8",
            "{path} no es texto UTF-8; guárdelo como CSV UTF-8",
        ),
        "exchange.error.bad_csv": (
            "{path}, line {line}: {reason}",
            "{path}, línea {line}: {reason}",
        ),
        "exchange.error.not_xlsx": (
            "{path} is not an .xlsx workbook",
            "{path} no es un libro .xlsx",
        ),
        "exchange.error.cell_too_long": (
            "sheet {sheet}, row {row}, column {column}: {length} characters do not fit"
            " in one Excel cell (at most 32,767); export to .csv, which has no such limit",
            "hoja {sheet}, fila {row}, columna {column}: {length} caracteres no caben"
            " en una celda de Excel (como máximo 32.767); exporta a .csv, que no tiene ese límite",
        ),
        "exchange.error.cancelled": (
            "export cancelled; no file was written",
            "exportación cancelada; no se escribió ningún archivo",
        ),
        "exchange.error.changed_meanwhile": (
            "the database changed while the file was being checked ({reason}); "
            "nothing was imported, run the import again",
            "la base de datos cambió mientras se revisaba el archivo ({reason}); "
            "no se importó nada, repita la importación",
        ),
        "exchange.error.no_header": (
            "the file has no header row; the first row must name the columns: {columns}",
            "el archivo no tiene fila de cabecera; la primera fila debe nombrar las "
            "columnas: {columns}",
        ),
        "exchange.error.unknown_columns": (
            "unknown columns: {columns}; the columns are: {known}",
            "columnas desconocidas: {columns}; las columnas son: {known}",
        ),
        "exchange.error.missing_columns": (
            "missing columns: {columns}",
            "faltan columnas: {columns}",
        ),
        "exchange.error.repeated_columns": (
            "columns named twice: {columns}",
            "columnas repetidas: {columns}",
        ),
        "exchange.error.too_many_cells": (
            "the row has {count} cells but the header names {expected} columns",
            "la fila tiene {count} celdas pero la cabecera nombra {expected} columnas",
        ),
        "exchange.error.repeated_id": (
            "id {value!r} is also on line {line}",
            "el id {value!r} también está en la línea {line}",
        ),
        "exchange.error.new_contact_needs_name": (
            "contact {code!r} does not exist yet: give its contact_name to create it",
            "el cliente {code!r} no existe todavía: indique su contact_name para crearlo",
        ),
        "exchange.error.new_opportunity_needs_title": (
            "opportunity {code!r} does not exist yet: give its opportunity_title to create it",
            "la oportunidad {code!r} no existe todavía: indique su opportunity_title para crearla",
        ),
        "exchange.line": ("line {line}: {message}", "línea {line}: {message}"),
        # "label: count" rather than "count nouns": no plural forms needed.
        "exchange.summary": (
            "rows read: {rows}; created: interactions {created}, users {users}, "
            "contacts {contacts}, opportunities {opportunities}; already there, "
            "skipped: {skipped}",
            "filas leídas: {rows}; creados: interacciones {created}, usuarios {users}, "
            "clientes {contacts}, oportunidades {opportunities}; ya existían, "
            "omitidas: {skipped}",
        ),
        "exchange.summary_dry_run": (
            "dry run, nothing written: rows read: {rows}; would create: interactions "
            "{created}, users {users}, contacts {contacts}, opportunities {opportunities}; "
            "already there, would skip: {skipped}",
            "simulación, no se escribió nada: filas leídas: {rows}; se crearían: "
            "interacciones {created}, usuarios {users}, clientes {contacts}, oportunidades "
            "{opportunities}; ya existían, se omitirían: {skipped}",
        ),
        "exchange.summary_errors": (
            "rows read: {rows}, with errors: {errors}; nothing was imported",
            "filas leídas: {rows}, con errores: {errors}; no se importó nada",
        ),
    }
)

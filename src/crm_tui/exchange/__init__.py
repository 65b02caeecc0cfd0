"""The interchange format: exporting interactions to .csv/.xlsx files and
importing them back, validated, all or nothing.

`exporter.export_interactions` and `importer.import_file` are the entry
points. The package stays light on import: openpyxl is imported only inside
the functions that read or write an .xlsx file, so `crm-tui log` from a
dialer never pays for it.
"""

"""One module per screen. Import a screen from its own module where it is
first needed, so screens not shown cost nothing at start-up."""

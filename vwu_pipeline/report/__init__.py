"""Stage 2: stored figures → the roll-up of a year → workbook and summary."""

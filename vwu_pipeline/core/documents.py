"""Marks vwu writes into the documents it makes, read back when such a file comes in again."""

# A document property vwu writes into its own report workbooks: such a file put back in the
# inbox is refused instead of replacing the units' submissions with vwu's totals.
VWU_OUTPUT_PROPERTY = "vwu-output"

# The custom document property a checked copy (ingest/annotate.py, `vwu validate --annotate`)
# carries: its value names the results sheet added in front of the unit's own sheets. Such a
# copy, corrected and sent back, is the unit's submission; ingest skips only that sheet.
FEEDBACK_MARKER = "vwu-feedback-sheet"

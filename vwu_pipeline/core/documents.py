"""Marks vwu writes into the documents it makes, read back when such a file comes in again."""

# A document property vwu writes into its own report workbooks: such a file put back in the
# inbox is refused instead of replacing the units' submissions with vwu's totals.
VWU_OUTPUT_PROPERTY = "vwu-output"

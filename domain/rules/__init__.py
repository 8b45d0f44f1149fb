"""What a row must be: the import types, field kinds, dates, mapping, row validation and the decision of what a valid row does."""

"""Cells that a spreadsheet shows as text, never runs as a formula (OWASP, "CSV Injection").

An entry's text may come from a collector's SMS or from a witness: `=HYPERLINK(…)`,
`+cmd|' /C calc'!A0` or `@SUM(…)` typed there must not become a formula when the
lawyer opens timeline.csv in Excel or WPS. As OWASP advises, a cell that begins with
= + - @, a tab or a carriage return gets a leading apostrophe (the writer quotes every cell).
The exact text stays in manifest.json and catalog.pdf; the CSV is a reading copy.
"""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]

"""Documents a manager keeps or sends on: reports as PDF, CSV and XLSX files.

Beside ``devices/`` (paper on the receipt printer): outputs that render a
``domain.reports.Report`` and never compute a figure themselves.
"""

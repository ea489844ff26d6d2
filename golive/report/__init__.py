"""The post-implementation review report: one summary of a recorded run (summary.py),
rendered as Markdown, as one self-contained HTML file with inline SVG charts, or as JSON
(docs/report-schema.md)."""

"""The scan: walking files through the workers, verdicts, the report, decisions."""

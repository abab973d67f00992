"""Dialogs: roster import preview, column mapping, the policy ("Why") panel, summary report."""

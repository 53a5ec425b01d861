"""The back office: the card office's window for managers and admins."""

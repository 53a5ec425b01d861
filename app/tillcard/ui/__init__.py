"""PySide6 front-end: thin widgets that render service state and forward intent."""

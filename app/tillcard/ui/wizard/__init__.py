"""The first-run wizard and the back office's Settings: the same pages in two frames."""

from tillcard.ui.wizard.window import SettingsDialog, SetupWizard

__all__ = ["SettingsDialog", "SetupWizard"]

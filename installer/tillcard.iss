; Inno Setup script (6.3 or later): installs the one-folder bundle on Windows, with a Start
; menu entry and an uninstaller. Build the bundle on Windows first (installer/README.md):
;
;   pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\tillcard.spec
;   iscc installer\tillcard.iss          -> dist\tillcard-setup-<version>.exe
;
; Paths are relative to this file. Another version: iscc /DAppVersion=0.2.0 ...

#ifndef AppVersion
#define AppVersion "0.1.0"
#endif

[Setup]
; The AppId identifies Tillcard to Windows across versions: never change it.
AppId={{DB90EB98-05D0-455A-AA28-3E518C86495B}
AppName=Tillcard
AppVersion={#AppVersion}
AppVerName=Tillcard {#AppVersion}
AppPublisher=Tillcard
DefaultDirName={autopf}\Tillcard
DefaultGroupName=Tillcard
DisableProgramGroupPage=yes
OutputDir=..\dist
OutputBaseFilename=tillcard-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
UninstallDisplayIcon={app}\tillcard.exe
UninstallDisplayName=Tillcard
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole folder: tillcard.exe and _internal\ (Python, Qt, migrations, translations).
Source: "..\dist\tillcard\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Tillcard"; Filename: "{app}\tillcard.exe"
Name: "{group}\Tillcard back office"; Filename: "{app}\tillcard.exe"; Parameters: "office"
Name: "{group}\Tillcard demo"; Filename: "{app}\tillcard.exe"; Parameters: "demo"
Name: "{group}\{cm:UninstallProgram,Tillcard}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Tillcard"; Filename: "{app}\tillcard.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\tillcard.exe"; Description: "{cm:LaunchProgram,Tillcard}"; Flags: nowait postinstall skipifsilent

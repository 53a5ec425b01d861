"""The database pages: standalone or central (test, migrate, roles) and the first admin."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from tillcard.services.setup import (
    AdminRequest,
    DbFault,
    DbReport,
    DbTarget,
    Page,
    SetupDraft,
    SetupFailed,
    check_database,
    create_roles,
    local_has_admin,
    run_migrations,
)
from tillcard.ui.texts import tr
from tillcard.ui.wizard.base import SetupContext, SetupPage

SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")


def _fault_templates() -> dict[DbFault, str]:
    return {
        DbFault.WRONG_PASSWORD: tr("Wrong password for the user {user}: the server refused "
                                   "it. Type it again, or check the variable {env}."),
        DbFault.NO_PASSWORD: tr("The server wants a password for {user}: type it, or set "
                                "the variable {env}."),
        DbFault.UNREACHABLE: tr("Cannot reach a server at {host} port {port}: check the "
                                "address, the port, the network and that PostgreSQL runs."),
        DbFault.NOT_POSTGRES: tr("Something answers at {host} port {port}, but it is not "
                                 "PostgreSQL: check the port."),
        DbFault.NO_DATABASE: tr("The server has no database {database}: create it first."),
        DbFault.NO_SUCH_USER: tr("The server knows no user {user}."),
        DbFault.REFUSED: tr("The server does not let this computer in (see its "
                            "pg_hba.conf)."),
        DbFault.BAD_URL: tr("Not a database address: {detail}"),
        DbFault.NOT_MIGRATED: tr("The database's tables are not up to date: run the "
                                 "migrations first."),
        DbFault.OTHER: tr("The database said: {detail}"),
    }


def fault_text(exc: BaseException, target: DbTarget | None) -> str:
    """A failed step in words the person at the till can act on, with the server's own."""
    if not isinstance(exc, SetupFailed):
        return tr("It did not work: {detail}").format(detail=str(exc))
    host, port, database, user = DbTarget.parts_of(target.url if target else "")
    words = _fault_templates()[exc.fault].format(
        user=user, host=host, port=port, database=database, detail=exc.detail,
        env=target.password_env if target else "")
    if exc.fault in (DbFault.BAD_URL, DbFault.OTHER):
        return words
    return words + "\n" + tr("Details: {detail}").format(detail=exc.detail)


def report_text(report: DbReport) -> str:
    lines = [tr("Connected: {server}.").format(server=report.server)]
    if report.revision is None:
        lines.append(tr("The database is empty: Tillcard's tables are not there yet."))
    elif report.needs_migration:
        lines.append(tr("Its tables are at an older version ({revision}); this version "
                        "needs {head}.").format(revision=report.revision, head=report.head))
    else:
        lines.append(tr("Its tables are up to date."))
    lines.append(tr("Roles: present.") if report.roles else tr("Roles: not created yet."))
    if report.has_admin:
        lines.append(tr("An admin exists."))
    elif report.revision is not None:
        lines.append(tr("No admin yet: the next page creates one."))
    return "\n".join(lines)


class ProfilePage(SetupPage):
    """Standalone (the till's own SQLite) or central (PostgreSQL), tested from here."""

    page = Page.PROFILE

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.standalone = QRadioButton(tr("Standalone: this till keeps its own database"))
        self.central = QRadioButton(tr("Central: the tills of the site share a PostgreSQL "
                                       "database"))
        group = QButtonGroup(self)
        for b in (self.standalone, self.central):
            group.addButton(b)
            self.body.addWidget(b)
        self.local = QLineEdit()
        self.local.setObjectName("localPath")
        self.local.setPlaceholderText(tr("empty: the data folder of this computer"))
        self.local_box = QGroupBox(tr("This till's database"))
        local_form = QFormLayout(self.local_box)
        local_form.addRow(tr("Database file"), self.local)
        self.body.addWidget(self.local_box)
        self.box = QGroupBox(tr("Central database"))
        self.body.addWidget(self.box)
        self._build_central()
        self.standalone.toggled.connect(self._on_standalone_toggled)

    def _build_central(self) -> None:
        f = QFormLayout(self.box)
        self.host, self.database, self.user = QLineEdit(), QLineEdit(), QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.env = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("for these set-up steps only; never saved"))
        self.sslmode = QComboBox()
        self.sslmode.addItems(list(SSL_MODES))
        for name, w in (("dbHost", self.host), ("dbPort", self.port),
                        ("dbName", self.database), ("dbUser", self.user),
                        ("dbPasswordEnv", self.env), ("dbPassword", self.password)):
            w.setObjectName(name)
        f.addRow(tr("Server"), self.host)
        f.addRow(tr("Port"), self.port)
        f.addRow(tr("Database"), self.database)
        f.addRow(tr("User"), self.user)
        f.addRow(tr("Password variable"), self.env)
        f.addRow(tr("Password"), self.password)
        f.addRow(tr("TLS"), self.sslmode)
        where = QLabel(tr("The till reads its password from the variable above when it "
                          "starts; the settings file never holds a password."))
        where.setWordWrap(True)
        f.addRow(where)
        self.test_button = QPushButton(tr("Test connection"))
        self.consent = QCheckBox(tr("Let the wizard update this database's tables "
                                    "(migrations; back it up first)"))
        self.migrate_button = QPushButton(tr("Run migrations"))
        self.roles_button = QPushButton(tr("Create roles"))
        row = QHBoxLayout()
        for b in (self.test_button, self.migrate_button, self.roles_button):
            row.addWidget(b)
        f.addRow(row)
        f.addRow(self.consent)
        self.status = QLabel()
        self.status.setObjectName("dbStatus")
        self.status.setWordWrap(True)
        f.addRow(self.status)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.migrate_button.clicked.connect(self._on_migrate_clicked)
        self.roles_button.clicked.connect(self._on_roles_clicked)
        self.consent.toggled.connect(lambda _on: self._enable())
        self._busy = False
        self._enable()

    def title(self) -> str:
        return tr("Database")

    def load(self, draft: SetupDraft) -> None:
        central = draft.get("profile") == "central"
        self.central.setChecked(central)
        self.standalone.setChecked(not central)
        self.local.setText(str(draft.get("database.local")))
        host, port, database, user = DbTarget.parts_of(str(draft.get("database.central_url")))
        self.host.setText(host)
        self.port.setValue(port)
        self.database.setText(database)
        self.user.setText(user)
        self.env.setText(str(draft.get("database.password_env")))
        self.sslmode.setCurrentText(str(draft.get("database.sslmode")))
        self._on_standalone_toggled(not central)

    def save(self, draft: SetupDraft) -> None:
        draft.set("profile", "central" if self.central.isChecked() else "standalone")
        draft.set("database.local", self.local.text().strip())
        if self.central.isChecked():
            draft.set("database.central_url", self._url())
            draft.set("database.password_env", self.env.text().strip())
            draft.set("database.sslmode", self.sslmode.currentText())
        self.ctx.target = self._target() if self.central.isChecked() else None

    def ready(self) -> str | None:
        if self.central.isChecked() and not (self.host.text().strip()
                                             and self.database.text().strip()):
            return tr("Enter the server's address and the database's name.")
        return None

    def _url(self) -> str:
        return DbTarget.url_of(self.host.text().strip(), self.port.value(),
                               self.database.text().strip(), self.user.text().strip())

    def _target(self) -> DbTarget:
        return DbTarget(self._url(), self.password.text(), self.env.text().strip(),
                        self.sslmode.currentText())

    def _enable(self) -> None:
        report = self.ctx.report
        self.test_button.setEnabled(not self._busy)
        self.migrate_button.setEnabled(not self._busy and report is not None
                                       and report.needs_migration
                                       and self.consent.isChecked())
        self.roles_button.setEnabled(not self._busy and report is not None
                                     and report.revision is not None)

    def _start(self, what: str) -> DbTarget:
        self._busy = True
        self._enable()
        self.status.setStyleSheet("")
        self.status.setText(what)
        target = self.ctx.target = self._target()
        return target

    def _on_test_clicked(self) -> None:
        if self.ready():
            self._on_failed(SetupFailed(DbFault.BAD_URL, self.ready() or ""))
            return
        target = self._start(tr("Connecting…"))
        self.run(lambda: check_database(target), self._on_report, self._on_failed)

    def _on_migrate_clicked(self) -> None:
        target = self._start(tr("Running the migrations…"))
        self.run(lambda: run_migrations(target), self._on_report, self._on_failed)

    def _on_roles_clicked(self) -> None:
        target = self._start(tr("Creating the roles…"))
        self.run(lambda: (create_roles(target), check_database(target))[1],
                 self._on_roles_done, self._on_failed)

    def _on_report(self, report: DbReport) -> None:
        self._busy = False
        self.ctx.report = report
        self.status.setStyleSheet("color: #2e7d32;")
        self.status.setText(report_text(report))
        self._enable()
        self.ctx.changed()

    def _on_roles_done(self, report: DbReport) -> None:
        self._on_report(report)
        self.status.setText(tr("Roles created.") + "\n" + self.status.text())

    def _on_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ctx.report = None
        self.status.setStyleSheet("color: #c62828; font-weight: bold;")
        self.status.setText(fault_text(exc, self.ctx.target))
        self._enable()
        self.ctx.changed()

    def _on_standalone_toggled(self, standalone: bool) -> None:
        self.local_box.setVisible(standalone)
        self.box.setVisible(not standalone)


class AdminPage(SetupPage):
    """The database's first admin, while it has none; nothing to do when it has one."""

    page = Page.ADMIN

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.state = self.note(tr("Nobody can sign in yet: create the first admin. Admins "
                                  "add the cashiers and managers in the back office."))
        self.state.setObjectName("adminState")
        f = self.form()
        self.login, self.name = QLineEdit(), QLineEdit()
        self.password, self.repeat, self.pin = QLineEdit(), QLineEdit(), QLineEdit()
        for name, w in (("adminLogin", self.login), ("adminName", self.name),
                        ("adminPassword", self.password), ("adminRepeat", self.repeat),
                        ("adminPin", self.pin)):
            w.setObjectName(name)
        for w in (self.password, self.repeat, self.pin):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        f.addRow(tr("Login"), self.login)
        f.addRow(tr("Full name"), self.name)
        f.addRow(tr("Password"), self.password)
        f.addRow(tr("Password again"), self.repeat)
        f.addRow(tr("PIN for this till"), self.pin)
        self.pin.setPlaceholderText(tr("4 or more digits: signs in at the till"))
        self._has_admin: bool | None = None
        self._standalone = True

    def title(self) -> str:
        return tr("First admin")

    def load(self, draft: SetupDraft) -> None:
        self._standalone = draft.get("profile") != "central"
        self._local = draft.settings().local_db_path() if not draft.problems() else None

    def entered(self) -> None:
        if not self._standalone:
            report = self.ctx.report
            self._show(report.has_admin if report is not None else None)
        elif self._local is not None:
            path = self._local
            self._show(None)
            self.run(lambda: local_has_admin(path), self._show, lambda _e: self._show(None))

    def _show(self, has_admin: bool | None) -> None:
        self._has_admin = has_admin
        for w in (self.login, self.name, self.password, self.repeat, self.pin):
            w.setEnabled(not has_admin)
        if has_admin:
            self.state.setText(tr("This database has an admin already: nothing to do here. "
                                  "Sign in with that admin."))

    def save(self, draft: SetupDraft) -> None:
        self.ctx.admin = None if self._has_admin else self._request()

    def _request(self) -> AdminRequest:
        return AdminRequest(self.login.text().strip(), " ".join(self.name.text().split()),
                            self.password.text(), self.pin.text().strip() or None)

    def ready(self) -> str | None:
        if self._has_admin:
            return None
        request = self._request()
        if not request.name:
            return tr("Enter the admin's full name.")
        if self.password.text() != self.repeat.text():
            return tr("The two passwords differ.")
        if self._standalone and not request.pin:
            return tr("A standalone till needs the admin's PIN: it is how they sign in at "
                      "the till.")
        problem = request.problem()
        return tr("The admin cannot be created: {reason}").format(reason=problem) \
            if problem else None

"""The presets panel: one editor per :class:`~ainimotion_vs.presets.Preset` field, generated
from the dataclass (its docstring is the tooltip), the library's messages shown under the
field they concern, and "save as my preset" into the user presets file the CLI reads too."""
from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import AinimotionError, SettingsError
from ..presets import PRESETS, Preset, all_presets, get_preset, save_user_preset, user_presets_path
from .checks import field_errors
from .fields import FieldSpec, field_specs, format_value, parse_value

__all__ = ["PresetsPanel"]

ERROR_STYLE = "color: #b00020;"


class PresetsPanel(QWidget):
    """Choose a preset, edit any field, check it with the library, save it as your own."""

    changed = Signal()
    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.specs = [s for s in field_specs(Preset) if s.name != "name"]
        self._loading = False
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.chooser = QComboBox()
        self.chooser.setToolTip("The preset new jobs use (built-in presets and your own, from "
                                f"{user_presets_path()})")  # fmt: skip
        self.chooser.currentTextChanged.connect(self._chosen)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in self.specs:
            editor = self._editor(spec)
            label = QLabel(spec.name.replace("_", " "))
            tip = spec.doc or spec.name
            label.setToolTip(tip)
            editor.setToolTip(tip)
            err = QLabel()
            err.setObjectName(f"error_{spec.name}")
            err.setStyleSheet(ERROR_STYLE)
            err.setWordWrap(True)
            err.hide()
            box = QVBoxLayout()
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(1)
            box.addWidget(editor)
            box.addWidget(err)
            form.addRow(label, box)
            self.editors[spec.name] = editor
            self.errors[spec.name] = err
        self.whole_error = QLabel()
        self.whole_error.setStyleSheet(ERROR_STYLE)
        self.whole_error.setWordWrap(True)
        self.whole_error.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        check = QPushButton("Check")
        check.setToolTip("Check these settings with the library (no frames are rendered)")
        check.clicked.connect(self.validate)
        save = QPushButton("Save as my preset...")
        save.setToolTip(f"Write these settings to {user_presets_path()}; `ainimotion enhance --preset NAME` uses them too")
        save.clicked.connect(self._ask_save)
        buttons = QHBoxLayout()
        buttons.addWidget(check)
        buttons.addWidget(save)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Preset"))
        top.addWidget(self.chooser, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(form)
        lay.addWidget(self.whole_error)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addStretch(1)
        self.reload_names()

    # ------------------------------------------------------------------ editors
    def _editor(self, spec: FieldSpec) -> QWidget:
        if spec.kind is bool:
            w = QCheckBox()
            w.toggled.connect(self._edited)
            return w
        if spec.choices:
            w = QComboBox()
            w.addItems(([""] if spec.optional else []) + list(spec.choices))
            w.currentTextChanged.connect(self._edited)
            return w
        w = QLineEdit()
        w.setPlaceholderText("not set" if spec.optional else "")
        w.editingFinished.connect(self.validate)
        w.textEdited.connect(lambda _t: self.changed.emit())
        return w

    def _edited(self, *_: Any) -> None:
        if self._loading:
            return
        self.changed.emit()
        self.validate()

    def texts(self) -> dict[str, Any]:
        """Each editor's raw content (bool for check boxes, text otherwise)."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            w = self.editors[spec.name]
            if isinstance(w, QCheckBox):
                out[spec.name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[spec.name] = w.currentText()
            else:
                out[spec.name] = w.text()
        return out

    def set_text(self, name: str, value: Any) -> None:
        """Put ``value`` (text, or bool for a check box) into the editor of ``name``."""
        w = self.editors[name]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        else:
            w.setText(str(value))

    # ------------------------------------------------------------------ presets
    def reload_names(self, select: str | None = None) -> None:
        """Fill the chooser with the built-in and the user's presets (a bad user file is shown)."""
        current = select or self.chooser.currentText() or "anime-clean"
        try:
            names = list(all_presets())
        except AinimotionError as exc:
            names = list(PRESETS)
            self.status.setText(str(exc))
            self.status.setStyleSheet(ERROR_STYLE)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems(names)
        self.chooser.blockSignals(False)
        self.chooser.setCurrentText(current if current in names else names[0])
        self._chosen(self.chooser.currentText())

    def _chosen(self, name: str) -> None:
        if name:
            self.set_preset(get_preset(name))

    def base(self) -> Preset:
        """The chosen named preset, unedited."""
        return get_preset(self.chooser.currentText())

    def set_preset(self, preset: Preset) -> None:
        """Show every field of ``preset``."""
        self._loading = True
        try:
            for spec in self.specs:
                value = getattr(preset, spec.name)
                self.set_text(spec.name, value if spec.kind is bool else format_value(spec, value))
        finally:
            self._loading = False
        self._clear_errors()
        self.changed.emit()

    def preset(self, *, name: str | None = None) -> Preset:
        """The preset the editors describe; a text that is not a value raises :class:`SettingsError`."""
        values: dict[str, Any] = {}
        texts = self.texts()
        for spec in self.specs:
            raw = texts[spec.name]
            values[spec.name] = raw if spec.kind is bool else parse_value(spec, raw)
        return dataclasses.replace(self.base(), name=name or self.chooser.currentText(), **values)

    def is_modified(self) -> bool:
        try:
            return self.preset() != self.base()
        except SettingsError:
            return True

    # ------------------------------------------------------------------ checks
    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.whole_error.clear()
        self.whole_error.hide()

    def _show(self, name: str | None, message: str) -> None:
        label = self.errors[name] if name else self.whole_error
        label.setText(message)
        label.show()

    def validate(self) -> bool:
        """Check every field (parse, then the library); show each message under its field."""
        self._clear_errors()
        texts = self.texts()
        parsed: dict[str, Any] = {}
        ok = True
        for spec in self.specs:
            raw = texts[spec.name]
            try:
                parsed[spec.name] = raw if spec.kind is bool else parse_value(spec, raw)
            except SettingsError as exc:
                self._show(spec.name, str(exc))
                ok = False
        if not ok:
            return False
        base = self.base()
        errors, whole = field_errors(base, dataclasses.replace(base, **parsed))
        for name, message in errors.items():
            self._show(name, message)
        if whole:
            self._show(None, whole)
        return not errors and not whole

    # ------------------------------------------------------------------ saving
    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save as my preset", "Name (letters, digits, . _ -):")
        if ok and name.strip():
            self.save_as(name.strip())

    def save_as(self, name: str) -> bool:
        """Check the settings and write them as the user preset ``name``; True when saved."""
        if not self.validate():
            return False
        try:
            preset = self.preset(name=name)
            path = save_user_preset(preset)
        except (AinimotionError, OSError) as exc:
            self._show(None, str(exc))
            return False
        self.reload_names(select=name)
        self.status.setStyleSheet("")
        self.status.setText(f"Saved {name!r} to {path}; use it with: ainimotion enhance IN --preset {name}")
        self.saved.emit(name)
        return True

"""A small progress bar: an ipywidgets bar in a Jupyter kernel, a carriage-return line on stderr
in a terminal, nothing otherwise (or when disabled). No dependency: ipywidgets and IPython are
imported only when running inside a kernel."""

from __future__ import annotations

import sys

__all__ = ["ProgressBar"]


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")  # already imported by the kernel if there is one
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class ProgressBar:
    """``bar = ProgressBar(total, desc)``; ``bar.update(k, "loss 0.1234")`` after step k of
    ``total``; ``bar.close()`` at the end. ``enabled=False`` makes every call do nothing."""

    width = 30

    def __init__(self, total: int, desc: str = "", enabled: bool = True, file=None):
        self.total, self.desc = int(total), desc
        self.file = sys.stderr if file is None else file
        self.mode = None
        self._widget = None
        self._width_written = 0
        if not enabled:
            return
        if _in_jupyter_kernel():
            try:
                self._widget = self._make_widget()
                self.mode = "widget"
            except ImportError:
                self.mode = "text"
        elif getattr(self.file, "isatty", lambda: False)():
            self.mode = "text"

    def _make_widget(self):
        import ipywidgets
        from IPython.display import display

        bar = ipywidgets.IntProgress(min=0, max=max(self.total, 1), description=self.desc)
        label = ipywidgets.HTML()
        display(ipywidgets.HBox([bar, label]))
        return bar, label

    def update(self, done: int, info: str = "") -> None:
        if self.mode == "widget":
            bar, label = self._widget
            bar.value = done
            label.value = f"{done}/{self.total} {info}"
        elif self.mode == "text":
            filled = self.width * done // max(self.total, 1)
            line = f"{self.desc} [{'#' * filled}{' ' * (self.width - filled)}] " \
                   f"{done}/{self.total} {info}"
            self.file.write("\r" + line.ljust(self._width_written))
            self._width_written = len(line)
            self.file.flush()

    def close(self) -> None:
        if self.mode == "text":
            self.file.write("\n")
            self.file.flush()
        elif self.mode == "widget":
            self._widget[0].bar_style = "success"
        self.mode = None

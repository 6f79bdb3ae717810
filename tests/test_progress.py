"""The small progress bar: text line in terminals, widget in Jupyter, nothing otherwise."""

import io

import mlpbook.progress as progress


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_text_bar_in_a_terminal():
    out = TTY()
    bar = progress.ProgressBar(4, "fit", file=out)
    assert bar.mode == "text"
    bar.update(1, "loss 1.0000")
    bar.update(4, "x")
    bar.close()
    lines = out.getvalue().split("\r")[1:]
    assert lines[0].startswith("fit [" + "#" * 7 + " " * 23 + "] 1/4 loss 1.0000")
    assert "#" * 30 + "] 4/4 x" in lines[1]
    assert len(lines[1].rstrip("\n")) >= len(lines[0])  # the longer old line is overwritten
    assert out.getvalue().endswith("\n")


def test_silent_when_disabled_or_not_a_terminal():
    out = TTY()
    bar = progress.ProgressBar(3, file=out, enabled=False)
    bar.update(1)
    bar.close()
    plain = io.StringIO()
    bar = progress.ProgressBar(3, file=plain)
    bar.update(1)
    bar.close()
    assert out.getvalue() == "" and plain.getvalue() == "" and bar.mode is None


def test_not_in_a_kernel_here():
    assert progress._in_jupyter_kernel() is False


def test_widget_bar_in_a_kernel(monkeypatch, capsys):
    monkeypatch.setattr(progress, "_in_jupyter_kernel", lambda: True)
    bar = progress.ProgressBar(5, "fit")
    assert bar.mode == "widget"
    bar.update(3, "loss 0.5000")
    widget, label = bar._widget
    assert widget.value == 3 and widget.max == 5 and label.value == "3/5 loss 0.5000"
    bar.close()
    assert widget.bar_style == "success"
    capsys.readouterr()  # display() outside a kernel prints a text representation

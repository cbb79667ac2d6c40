"""Raises with HTML in its message: the feedback page must show it as text."""


def gradients(X, Y, W, V):
    raise ValueError("<script>alert('owned')</script><b>bold</b>")

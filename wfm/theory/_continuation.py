"""Natural-parameter continuation with a secant predictor, shared by the saddle-point solvers of wfm.theory.

A saddle point x(t) is followed in one parameter t (ln d, ln y, α, ...) by repeated Newton-type solves: the
guess at t + h is the secant through the last two solutions (the last solution itself at the first step), a
failed guess is retried from the last solution, and the step grows by 1.5 after a success (up to ``h_max``) and
halves after a failure; the continuation gives up when the step falls below ``h_min``.
"""
from __future__ import annotations


def secant_follow(solve, x, t, t_to, *, h_max, h_min=1e-4, tol=1e-14, prev=None):
    """Follow the solution ``x`` at ``t`` to ``t_to``.

    ``solve(t, guess, warm)`` returns ``(x, ok, extra)``; ``warm`` is True once a secant is available (a solver may
    then reuse what it learnt at the previous step, e.g. a Jacobian). ``prev = (x_prev, t_prev)`` carries the
    secant over from an earlier call (a sequence of targets). Returns ``(x, t, prev, extra, reached)``: the last
    solution and its parameter, the secant state to pass on, the ``extra`` of the last accepted solve (None if
    none), and whether ``t_to`` was reached (within ``tol``).
    """
    x_prev, t_prev = prev if prev is not None else (None, None)
    sgn = 1.0 if t_to > t else -1.0
    h = min(h_max, abs(t_to - t))
    extra = None
    while abs(t_to - t) > tol:
        h = min(h, abs(t_to - t))
        t_new = t_to if h == abs(t_to - t) else t + sgn * h
        warm = x_prev is not None
        guess = x if not warm else x + (x - x_prev) * (t_new - t) / (t - t_prev)
        xs, ok, ex = solve(t_new, guess, warm)
        if not ok and warm:
            xs, ok, ex = solve(t_new, x, warm)
        if ok:
            x_prev, t_prev, x, t, extra = x, t, xs, t_new, ex
            h = min(h_max, 1.5 * h)
        else:
            h *= 0.5
            if h < h_min:
                break
    return x, t, (x_prev, t_prev), extra, abs(t_to - t) <= tol

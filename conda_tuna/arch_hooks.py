"""Pre-solve architecture check (issue 3 implements this)."""


def pre_solve(specs_to_add, specs_to_remove) -> None:
    return None

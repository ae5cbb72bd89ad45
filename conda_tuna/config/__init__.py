"""conda-tuna's own config: the drop-in file (``dropin``), hand-written mirror settings and
their migration (``legacy``), and ``adapter``, which finds the files on conda's search path
and plans what ``enable`` writes."""

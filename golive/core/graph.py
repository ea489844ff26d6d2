"""Step dependencies: order, cycles, descendants and the critical path."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One dependency cycle as a list of ids (first id repeated at the end), or None.

    Iterative, like `topological`: a long chain must not hit the recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(deps, white)
    for root in deps:
        if colour[root] != white:
            continue
        colour[root] = grey
        path = [root]
        pending = [iter(deps.get(root, ()))]
        while pending:
            for parent in pending[-1]:
                if parent not in colour:
                    continue
                if colour[parent] == grey:
                    return [*path[path.index(parent) :], parent]
                if colour[parent] == white:
                    colour[parent] = grey
                    path.append(parent)
                    pending.append(iter(deps.get(parent, ())))
                    break
            else:
                colour[path.pop()] = black
                pending.pop()
    return None


def topological(order: Sequence[str], deps: Mapping[str, Sequence[str]]) -> list[str]:
    """Ids with every step after its dependencies, ties kept in file order.

    Iterative, so a 2,000-step sequential runbook does not hit the recursion limit.
    """
    placed: set[str] = set()
    result: list[str] = []
    for root in order:
        stack = [(root, iter(deps.get(root, ())))]
        if root in placed:
            continue
        while stack:
            node, parents = stack[-1]
            advanced = False
            for parent in parents:
                if parent not in placed and parent in deps:
                    stack.append((parent, iter(deps.get(parent, ()))))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if node not in placed:
                    placed.add(node)
                    result.append(node)
    return result


def descendants(root: str, deps: Mapping[str, Sequence[str]]) -> set[str]:
    children: dict[str, list[str]] = {}
    for node, parents in deps.items():
        for parent in parents:
            children.setdefault(parent, []).append(node)
    seen: set[str] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def longest_path(
    order: Sequence[str],
    deps: Mapping[str, Sequence[str]],
    cost: Callable[[str], float],
    earliest_start: Callable[[str], float] | None = None,
) -> tuple[float, list[str]]:
    """Length and ids of the longest path (the critical path) through an acyclic graph.

    `earliest_start` lets a step wait for a clock time (not_before) as an offset.
    """
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for node in topological(order, deps):
        start, best = 0.0, None
        for parent in deps.get(node, ()):
            if parent in finish and finish[parent] > start:
                start, best = finish[parent], parent
        if earliest_start is not None:
            start = max(start, earliest_start(node))
        finish[node] = start + cost(node)
        via[node] = best
    if not finish:
        return 0.0, []
    end = max(finish, key=lambda n: finish[n])
    path: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = via[cursor]
    return finish[end], path[::-1]

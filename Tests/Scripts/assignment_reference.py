"""An independent solver for the market-wide assignment, for MarketAssignmentReferenceTests and
`matchctl bench match --reference-python`.

Reads {"participants": P, "capacities": [c...], "edges": [[p, o, w], ...]} on stdin.

Default: prints the best total weight from scipy's linear_sum_assignment on the dense
participants x positions matrix, each offer repeated once per position. Missing pairs weigh 0,
which adds nothing to a maximum total.

--sparse: for instances too large for a dense matrix. Solves the same problem with scipy's
min_weight_full_bipartite_matching on a sparse graph, each participant given a private "no
offer" column, and prints {"total": T, "seconds": S}, S being the solver's time alone.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def dense(instance):
    columns = []
    for offer, capacity in enumerate(instance["capacities"]):
        columns.extend([offer] * capacity)
    matrix = np.zeros((instance["participants"], max(1, len(columns))), dtype=np.int64)
    column_of = {}
    for index, offer in enumerate(columns):
        column_of.setdefault(offer, []).append(index)
    for participant, offer, weight in instance["edges"]:
        for column in column_of.get(offer, []):
            matrix[participant, column] = max(matrix[participant, column], weight)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    print(int(matrix[rows, cols].sum()))


def sparse(instance):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    participants = instance["participants"]
    first_column = []
    position = 0
    for capacity in instance["capacities"]:
        first_column.append(position)
        position += capacity
    positions = position
    # Costs must be positive (an explicit zero is no edge): cost = ceiling - weight, and the
    # private "no offer" column costs the ceiling, so minimising cost maximises the weight.
    ceiling = max([w for _, _, w in instance["edges"]], default=0) + 1
    rows, cols, costs = [], [], []
    for participant, offer, weight in instance["edges"]:
        for k in range(instance["capacities"][offer]):
            rows.append(participant)
            cols.append(first_column[offer] + k)
            costs.append(ceiling - weight)
    for participant in range(participants):
        rows.append(participant)
        cols.append(positions + participant)
        costs.append(ceiling)
    graph = csr_matrix((np.array(costs, dtype=np.float64), (rows, cols)), shape=(participants, positions + participants))
    started = time.perf_counter()
    row_of, col_of = min_weight_full_bipartite_matching(graph)
    seconds = time.perf_counter() - started
    chosen = np.asarray(graph[row_of, col_of]).ravel()
    total = sum(int(ceiling - c) for c in chosen if c != ceiling)
    print(json.dumps({"total": total, "seconds": seconds}))


instance = json.load(sys.stdin)
if "--sparse" in sys.argv[1:]:
    sparse(instance)
else:
    dense(instance)

"""An independent solver for the market-wide assignment, for MarketAssignmentReferenceTests.

Reads {"participants": P, "capacities": [c...], "edges": [[p, o, w], ...]} on stdin and prints the
best total weight: scipy's linear_sum_assignment on the participants x positions matrix, each
offer repeated once per position. Missing pairs weigh 0, which adds nothing to a maximum total.
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment

instance = json.load(sys.stdin)
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

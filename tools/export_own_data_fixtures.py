#!/usr/bin/env python3
"""Writes the data of the "Your own data" page and the scaler reference values.

1. samples/OwnData/iris.csv: the Iris flower data set (Fisher, 1936; 150 rows, 4 measurements in
   cm and the species), as scikit-learn ships it (sklearn.datasets.load_iris, BSD-3-Clause; the
   data itself is public domain), with a header row.
2. tests/StaticNet.Tests/Fixtures/scalers_iris.json: scikit-learn's StandardScaler and
   MinMaxScaler fitted on those 150 rows (float64), their parameters and transformed rows, as an
   independent reference for StaticNet.Data.StandardScaler and MinMaxScaler.

Run from the repository root:  /usr/bin/python3 tools/export_own_data_fixtures.py
Needs python3-sklearn (apt-get install -y python3-sklearn).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.preprocessing import MinMaxScaler, StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

iris = load_iris()
names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
species = [str(s) for s in iris.target_names]  # setosa, versicolor, virginica

csv_path = os.path.join(ROOT, "samples", "OwnData", "iris.csv")
os.makedirs(os.path.dirname(csv_path), exist_ok=True)
with open(csv_path, "w", newline="\n") as f:
    f.write(",".join(names + ["species"]) + "\n")
    for row, target in zip(iris.data, iris.target):
        f.write(",".join(f"{v:.1f}" for v in row) + "," + species[target] + "\n")

# The reference reads the CSV's values as float32, as StaticNet does, then fits in float64.
x = np.array([[float(np.float32(v)) for v in row] for row in iris.data], dtype=np.float64)
# A constant column, to check sklearn's rule that a zero spread gives a scale of 1.
x = np.hstack([x, np.full((x.shape[0], 1), 2.5)])

standard = StandardScaler().fit(x)
minmax = MinMaxScaler(feature_range=(-1, 1)).fit(x)
fixture = {
    "sklearn_version": sklearn.__version__,
    "x": x.tolist(),
    "standard": {
        "mean": standard.mean_.tolist(),
        "scale": standard.scale_.tolist(),
        "transformed": standard.transform(x).tolist(),
    },
    "minmax": {
        "feature_range": [-1, 1],
        "data_min": minmax.data_min_.tolist(),
        "data_max": minmax.data_max_.tolist(),
        "transformed": minmax.transform(x).tolist(),
    },
}
fixture_path = os.path.join(ROOT, "tests", "StaticNet.Tests", "Fixtures", "scalers_iris.json")
with open(fixture_path, "w") as f:
    json.dump(fixture, f)
print(f"wrote {csv_path} and {fixture_path} (scikit-learn {sklearn.__version__})")

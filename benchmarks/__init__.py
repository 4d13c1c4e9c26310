"""Side-by-side training and prediction benchmarks: glassnet against PyTorch (CPU) and
scikit-learn's MLPClassifier. Run ``python -m benchmarks.run`` (or ``make bench``).

Never part of the test run. Nothing here imports NumPy at package import time: the entry
point must remove two OpenBLAS variables from the environment before NumPy loads.
"""

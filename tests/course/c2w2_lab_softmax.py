# Course-style lab (course 2 week 2: "Softmax Function"). Only the import lines differ
# from the TensorFlow version.
import logging

import numpy as np
from sklearn.datasets import make_blobs

from glassnet import tf
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

logging.getLogger("tensorflow").setLevel(logging.ERROR)
tf.autograph.set_verbosity(0)


def my_softmax(z):
    ez = np.exp(z)
    sm = ez / np.sum(ez)
    return sm


centers = [[-5, 2], [-2, -2], [1, 2], [5, -2]]
X_train, y_train = make_blobs(n_samples=2000, centers=centers, cluster_std=1.0,
                              random_state=30)

# The obvious organization: softmax in the output layer
model = Sequential(
    [
        Dense(25, activation="relu"),
        Dense(15, activation="relu"),
        Dense(4, activation="softmax"),
    ]
)
model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(),
    optimizer=tf.keras.optimizers.Adam(0.001),
)
history_nonpreferred = model.fit(X_train, y_train, epochs=10)

p_nonpreferred = model.predict(X_train)
print(p_nonpreferred[:2])
print("largest value", np.max(p_nonpreferred), "smallest value", np.min(p_nonpreferred))

# The preferred organization: linear output, softmax folded into the loss
preferred_model = Sequential(
    [
        Dense(25, activation="relu"),
        Dense(15, activation="relu"),
        Dense(4, activation="linear"),
    ]
)
preferred_model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(0.001),
)
history_preferred = preferred_model.fit(X_train, y_train, epochs=10)

p_preferred = preferred_model.predict(X_train)
print(f"two example output vectors:\n {p_preferred[:2]}")
print("largest value", np.max(p_preferred), "smallest value", np.min(p_preferred))

sm_preferred = tf.nn.softmax(p_preferred).numpy()
print(f"two example output vectors:\n {sm_preferred[:2]}")
print("largest value", np.max(sm_preferred), "smallest value", np.min(sm_preferred))

for i in range(5):
    print(f"{p_preferred[i]}, category: {np.argmax(p_preferred[i])}")

my_sm = my_softmax(p_preferred[0])

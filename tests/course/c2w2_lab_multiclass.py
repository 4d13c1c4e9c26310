# Course-style lab (course 2 week 2: "Multi-class Classification"). Only the import lines
# differ from the TensorFlow version.
import numpy as np
from sklearn.datasets import make_blobs

from glassnet import tf
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

classes = 4
m = 100
centers = [[-5, 2], [-1, -2], [1, 2], [5, -2]]
std = 1.0
X_train, y_train = make_blobs(n_samples=m, centers=centers, cluster_std=std, random_state=30)

print(f"unique classes {np.unique(y_train)}")
print(f"class representation {y_train[:10]}")
print(f"shape of X_train: {X_train.shape}, shape of y_train: {y_train.shape}")

tf.random.set_seed(1234)  # applied to achieve consistent results
model = Sequential(
    [
        Dense(2, activation="relu", name="L1"),
        Dense(4, activation="linear", name="L2"),
    ]
)
model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(0.01),
)
history = model.fit(X_train, y_train, epochs=200)

l1 = model.get_layer("L1")
W1, b1 = l1.get_weights()
l2 = model.get_layer("L2")
W2, b2 = l2.get_weights()

# the first layer's two units, by hand, as the lab explains them
Xl2 = np.maximum(0, np.dot(X_train, W1) + b1)
logits = np.dot(Xl2, W2) + b2
predicted = np.argmax(tf.nn.softmax(logits).numpy(), axis=1)
accuracy = np.mean(predicted == y_train)
print(f"training accuracy {accuracy:.2f}")

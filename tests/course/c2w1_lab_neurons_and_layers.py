# Course-style lab (Machine Learning Specialization, course 2 week 1: "Neurons and Layers").
# Written for glassnet's tests from the lab's public description; only the import lines
# differ from the TensorFlow version.
import numpy as np

from glassnet import tf
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

# ---- a neuron without an activation: a linear regression unit
X_train = np.array([[1.0], [2.0]], dtype=np.float32)  # size in 1000 square feet
Y_train = np.array([[300.0], [500.0]], dtype=np.float32)  # price in 1000s of dollars

linear_layer = tf.keras.layers.Dense(units=1, activation="linear")
print(linear_layer.get_weights())

a1 = linear_layer(X_train[0].reshape(1, 1))
print(a1)
w, b = linear_layer.get_weights()
print(f"w = {w}, b={b}")

set_w = np.array([[200]])
set_b = np.array([100])
linear_layer.set_weights([set_w, set_b])
print(linear_layer.get_weights())

a1 = linear_layer(X_train[0].reshape(1, 1))
print(a1)
alin = np.dot(set_w, X_train[0].reshape(1, 1)) + set_b
print(alin)

prediction_tf = linear_layer(X_train)
prediction_np = np.dot(X_train, set_w) + set_b

# ---- a neuron with a sigmoid activation: logistic regression
X_train = np.array([0.0, 1, 2, 3, 4, 5], dtype=np.float32).reshape(-1, 1)
Y_train = np.array([0, 0, 0, 1, 1, 1], dtype=np.float32).reshape(-1, 1)

model = Sequential(
    [
        tf.keras.layers.Dense(1, input_dim=1, activation="sigmoid", name="L1")
    ]
)
model.summary()

logistic_layer = model.get_layer("L1")
w, b = logistic_layer.get_weights()
print(w, b)
print(w.shape, b.shape)

set_w = np.array([[2]])
set_b = np.array([-4.5])
logistic_layer.set_weights([set_w, set_b])
print(logistic_layer.get_weights())


def sigmoidnp(z):
    return 1 / (1 + np.exp(-z))


a1 = model.predict(X_train[0].reshape(1, 1))
print(a1)
alog = sigmoidnp(np.dot(set_w, X_train[0].reshape(1, 1)) + set_b)
print(alog)

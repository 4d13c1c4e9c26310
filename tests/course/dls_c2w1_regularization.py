# Course-style exercise (Deep Learning Specialization, course 2 week 1: "Regularization"),
# its 3-layer model (20-3-1) trained with full-batch gradient descent, without
# regularization, with L2 regularization (lambd = 0.7) and with dropout (keep_prob = 0.86),
# written with the Keras API. The course's data file (the goalkeeper's 2-D positions) is not
# public, so a 2-D set of the same size is generated; the exercise's own NumPy forward and
# backward passes are kept below as the reference the Keras model must reproduce.
import numpy as np
import sklearn.datasets

from glassnet import tf
from glassnet.keras.callbacks import LambdaCallback
from glassnet.keras.layers import Dense, Dropout
from glassnet.keras.models import Sequential
from glassnet.keras.regularizers import l2

tf.keras.backend.set_floatx("float64")


def load_2D_dataset():
    X, y = sklearn.datasets.make_moons(n_samples=411, noise=0.25, random_state=3)
    train_X, train_Y = X[:211].T, y[:211].reshape(1, -1)
    test_X, test_Y = X[211:].T, y[211:].reshape(1, -1)
    return train_X, train_Y, test_X, test_Y


train_X, train_Y, test_X, test_Y = load_2D_dataset()


def initialize_parameters(layer_dims):
    rng = np.random.RandomState(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = (rng.randn(layer_dims[l], layer_dims[l - 1])
                                    / np.sqrt(layer_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


# ---- the exercise's NumPy reference: cost and gradients with L2 regularization
def forward_propagation(X, p):
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.maximum(0, Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = np.maximum(0, Z2)
    Z3 = p["W3"] @ A2 + p["b3"]
    A3 = 1 / (1 + np.exp(-Z3))
    return A3, (A1, A2, A3)


def compute_cost_with_regularization(A3, Y, p, lambd):
    m = Y.shape[1]
    cross_entropy_cost = np.nansum(-np.log(A3) * Y - np.log(1 - A3) * (1 - Y)) / m
    L2_regularization_cost = (lambd / (2 * m)) * (np.sum(np.square(p["W1"]))
                                                   + np.sum(np.square(p["W2"]))
                                                   + np.sum(np.square(p["W3"])))
    return cross_entropy_cost + L2_regularization_cost


def backward_propagation_with_regularization(X, Y, cache, p, lambd):
    m = X.shape[1]
    A1, A2, A3 = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * dZ3 @ A2.T + lambd / m * p["W3"]
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dZ2 = (p["W3"].T @ dZ3) * (A2 > 0)
    dW2 = 1.0 / m * dZ2 @ A1.T + lambd / m * p["W2"]
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (p["W2"].T @ dZ2) * (A1 > 0)
    dW1 = 1.0 / m * dZ1 @ X.T + lambd / m * p["W1"]
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def reference_model(X, Y, learning_rate, num_iterations, lambd):
    p = initialize_parameters([X.shape[0], 20, 3, 1])
    costs = []
    for _ in range(num_iterations):
        A3, cache = forward_propagation(X, p)
        costs.append(compute_cost_with_regularization(A3, Y, p, lambd))
        grads = backward_propagation_with_regularization(X, Y, cache, p, lambd)
        for k in ("W1", "b1", "W2", "b2", "W3", "b3"):
            p[k] = p[k] - learning_rate * grads["d" + k]
    return p, costs


# ---- the same model with the Keras API
def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0.0,
          keep_prob=1.0):
    m = X.shape[1]
    layers_dims = [X.shape[0], 20, 3, 1]
    parameters = initialize_parameters(layers_dims)
    # Keras' l2(c) adds c * sum(W**2) to the mean loss: the exercise's lambd / (2 m) sum(W**2)
    reg = l2(lambd / (2 * m)) if lambd else None
    layers = [tf.keras.Input(shape=(layers_dims[0],)),
              Dense(20, activation="relu", kernel_regularizer=reg)]
    if keep_prob < 1:
        layers.append(Dropout(1 - keep_prob))
    layers.append(Dense(3, activation="relu", kernel_regularizer=reg))
    if keep_prob < 1:
        layers.append(Dropout(1 - keep_prob))
    layers.append(Dense(1, activation="sigmoid", kernel_regularizer=reg))
    net = Sequential(layers)
    net.set_weights([w for l in (1, 2, 3)
                     for w in (parameters[f"W{l}"].T, parameters[f"b{l}"][:, 0])])
    net.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate))
    costs = []

    def report(epoch, logs):
        costs.append(logs["loss"])
        if print_cost and epoch % 10000 == 0:
            print(f"Cost after iteration {epoch}: {logs['loss']}")

    net.fit(X.T, Y.T, epochs=num_iterations, batch_size=m, shuffle=False, verbose=0,
            callbacks=[LambdaCallback(on_epoch_end=report)])
    return net, costs


def predict(X, y, net):
    p = (net.predict(X.T) > 0.5).astype(int).T
    accuracy = np.mean(p[0, :] == y[0, :])
    print("Accuracy: " + str(accuracy))
    return accuracy


accuracies = {}
for label, kwargs in (("no regularization", {}), ("L2, lambd = 0.7", {"lambd": 0.7}),
                      ("dropout, keep_prob = 0.86", {"keep_prob": 0.86})):
    print(f"--- {label}")
    net, costs = model(train_X, train_Y, **kwargs)
    print("On the train set:")
    train_acc = predict(train_X, train_Y, net)
    print("On the test set:")
    test_acc = predict(test_X, test_Y, net)
    accuracies[label] = (train_acc, test_acc, costs)

# the Keras model with L2 follows the exercise's own NumPy gradient descent step for step
_, reference_costs = reference_model(train_X, train_Y, 0.3, 2000, 0.7)
keras_costs = accuracies["L2, lambd = 0.7"][2][:2000]
largest_difference = float(np.max(np.abs(np.array(keras_costs) - np.array(reference_costs))))
print(f"largest cost difference to the exercise's NumPy model over 2000 iterations: "
      f"{largest_difference:.1e}")

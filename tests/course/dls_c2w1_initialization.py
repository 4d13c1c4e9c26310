# Course-style exercise (Deep Learning Specialization, course 2 week 1: "Initialization"),
# its 3-layer model (LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID) trained with full-batch
# gradient descent, written with the Keras API. The course's initializers draw the starting
# weights with NumPy exactly as the exercise does; only the import lines point at glassnet.
import numpy as np
import sklearn.datasets

from glassnet import tf
from glassnet.keras.callbacks import LambdaCallback
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

tf.keras.backend.set_floatx("float64")  # the exercise computes in float64


def load_dataset():
    # the exercise seeds NumPy's global generator (1, then 2) before each make_circles call;
    # the same streams come from RandomState(1) and RandomState(2)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=0.05,
                                                     random_state=np.random.RandomState(1))
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=0.05,
                                                   random_state=np.random.RandomState(2))
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    test_X = test_X.T
    test_Y = test_Y.reshape((1, test_Y.shape[0]))
    return train_X, train_Y, test_X, test_Y


train_X, train_Y, test_X, test_Y = load_dataset()


def initialize_parameters_zeros(layers_dims):
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    rng = np.random.RandomState(3)  # the exercise: np.random.seed(3); np.random.randn
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = rng.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    rng = np.random.RandomState(3)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        parameters["W" + str(l)] = (rng.randn(layers_dims[l], layers_dims[l - 1])
                                    * np.sqrt(2.0 / layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True,
          initialization="he"):
    costs = []
    layers_dims = [X.shape[0], 10, 5, 1]
    if initialization == "zeros":
        parameters = initialize_parameters_zeros(layers_dims)
    elif initialization == "random":
        parameters = initialize_parameters_random(layers_dims)
    elif initialization == "he":
        parameters = initialize_parameters_he(layers_dims)

    net = Sequential([
        tf.keras.Input(shape=(layers_dims[0],)),
        Dense(layers_dims[1], activation="relu"),
        Dense(layers_dims[2], activation="relu"),
        Dense(layers_dims[3], activation="sigmoid"),
    ])
    # the course's W[l] is (units, inputs) and b[l] a column; Keras' kernel is (inputs, units)
    net.set_weights([parameters["W1"].T, parameters["b1"][:, 0], parameters["W2"].T,
                     parameters["b2"][:, 0], parameters["W3"].T, parameters["b3"][:, 0]])
    net.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate))

    def report(epoch, logs):
        if print_cost and epoch % 1000 == 0:
            print(f"Cost after iteration {epoch}: {logs['loss']}")
            costs.append(logs["loss"])

    # one epoch of one full batch is one iteration of the exercise's gradient descent; the
    # epoch's loss is the cost of the forward pass before that step, as the exercise prints
    net.fit(X.T, Y.T, epochs=num_iterations, batch_size=X.shape[1], shuffle=False, verbose=0,
            callbacks=[LambdaCallback(on_epoch_end=report)])
    return net, costs


def predict(X, y, net):
    p = (net.predict(X.T) > 0.5).astype(int).T
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


results = {}
for initialization in ("zeros", "random", "he"):
    print(f"--- initialization = {initialization!r}")
    net, costs = model(train_X, train_Y, initialization=initialization)
    print("On the train set:")
    train_acc = np.mean(predict(train_X, train_Y, net)[0] == train_Y[0])
    print("On the test set:")
    test_acc = np.mean(predict(test_X, test_Y, net)[0] == test_Y[0])
    results[initialization] = (costs, train_acc, test_acc)

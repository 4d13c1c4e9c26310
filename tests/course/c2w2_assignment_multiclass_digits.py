# Course-style assignment (course 2 week 2: "Neural Networks for Handwritten Digit
# Recognition, Multiclass"). Only the import lines differ from the TensorFlow version.
import logging

import numpy as np
from course_utils import digits_20x20
from public_tests_c2w2 import test_model, test_my_softmax

from glassnet import tf
from glassnet.keras.activations import linear, relu, sigmoid
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

logging.getLogger("tensorflow").setLevel(logging.ERROR)
tf.autograph.set_verbosity(0)


# UNQ_C1
def my_softmax(z):
    ez = np.exp(z)
    a = ez / np.sum(ez)
    return a


z = np.array([1.0, 2.0, 3.0, 4.0])
a = my_softmax(z)
atf = tf.nn.softmax(z)
print(f"my_softmax(z):         {a}")
print(f"tensorflow softmax(z): {atf}")
test_my_softmax(my_softmax)

X, y = digits_20x20(classes=tuple(range(10)))
y = y.reshape(-1, 1)
print("The shape of X is: " + str(X.shape))
print("The shape of y is: " + str(y.shape))

# UNQ_C2
tf.random.set_seed(1234)  # for consistent results
model = Sequential(
    [
        tf.keras.Input(shape=(400,)),
        Dense(25, activation="relu", name="L1"),
        Dense(15, activation="relu", name="L2"),
        Dense(10, activation="linear", name="L3"),
    ], name="my_model"
)
model.summary()
test_model(model, 10, 400)

[layer1, layer2, layer3] = model.layers
W1, b1 = layer1.get_weights()
W2, b2 = layer2.get_weights()
W3, b3 = layer3.get_weights()
print(f"W1 shape = {W1.shape}, b1 shape = {b1.shape}")
print(f"W2 shape = {W2.shape}, b2 shape = {b2.shape}")
print(f"W3 shape = {W3.shape}, b3 shape = {b3.shape}")

model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
)
history = model.fit(X, y, epochs=40)

image_of_two = X[np.flatnonzero(y[:, 0] == 2)[0]]
prediction = model.predict(image_of_two.reshape(1, 400))  # prediction
print(f" predicting a Two: \n{prediction}")
print(f" Largest Prediction index: {np.argmax(prediction)}")

prediction_p = tf.nn.softmax(prediction)
print(f" predicting a Two. Probability vector: \n{prediction_p}")
print(f"Total of predictions: {np.sum(prediction_p):0.3f}")
yhat = np.argmax(prediction_p)
print(f"np.argmax(prediction_p): {yhat}")

# how many of the training images the model gets wrong
yhat_all = np.argmax(model.predict(X), axis=1)
errors = int(np.sum(yhat_all != y[:, 0]))
print(f"{errors} errors out of {len(X)} images")

# Course-style assignment (course 2 week 1: "Neural Networks for Handwritten Digit
# Recognition, Binary"). Only the import lines differ from the TensorFlow version.
import numpy as np
from course_utils import digits_20x20
from public_tests_c2w1 import test_c1

from glassnet import tf
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

X, y = digits_20x20(classes=(0, 1))
y = y.reshape(-1, 1)
print("The shape of X is: " + str(X.shape))
print("The shape of y is: " + str(y.shape))

# UNQ_C1
model = Sequential(
    [
        tf.keras.Input(shape=(400,)),
        Dense(25, activation="sigmoid"),
        Dense(15, activation="sigmoid"),
        Dense(1, activation="sigmoid"),
    ], name="my_model"
)
model.summary()
test_c1(model)

L1_num_params = 400 * 25 + 25
L2_num_params = 25 * 15 + 15
L3_num_params = 15 * 1 + 1
print("L1 params = ", L1_num_params, ", L2 params = ", L2_num_params,
      ",  L3 params = ", L3_num_params)

[layer1, layer2, layer3] = model.layers
W1, b1 = layer1.get_weights()
W2, b2 = layer2.get_weights()
W3, b3 = layer3.get_weights()
print(f"W1 shape = {W1.shape}, b1 shape = {b1.shape}")
print(f"W2 shape = {W2.shape}, b2 shape = {b2.shape}")
print(f"W3 shape = {W3.shape}, b3 shape = {b3.shape}")
print(model.layers[2].weights)

model.compile(
    loss=tf.keras.losses.BinaryCrossentropy(),
    optimizer=tf.keras.optimizers.Adam(0.001),
)
history = model.fit(X, y, epochs=20)

prediction = model.predict(X[0].reshape(1, 400))  # a zero
print(f" predicting a zero: {prediction}")
prediction = model.predict(X[-1].reshape(1, 400))  # a one
print(f" predicting a one:  {prediction}")

if prediction >= 0.5:
    yhat = 1
else:
    yhat = 0
print(f"prediction after threshold: {yhat}")


# UNQ_C2 / UNQ_C3: the same network in NumPy, with the trained weights
def my_dense_v(A_in, W, b, g):
    return g(np.matmul(A_in, W) + b)


def my_sequential_v(X, W1, b1, W2, b2, W3, b3):
    sig = tf.keras.activations.sigmoid
    A1 = my_dense_v(X, W1, b1, sig)
    A2 = my_dense_v(A1, W2, b2, sig)
    A3 = my_dense_v(A2, W3, b3, sig)
    return A3


W1_tmp, b1_tmp = layer1.get_weights()
W2_tmp, b2_tmp = layer2.get_weights()
W3_tmp, b3_tmp = layer3.get_weights()
Prediction = my_sequential_v(X, W1_tmp, b1_tmp, W2_tmp, b2_tmp, W3_tmp, b3_tmp)
Yhat = (Prediction >= 0.5).numpy().astype(int)
print("predict a zero: ", Yhat[0], "predict a one: ", Yhat[-1])

tf_pred = (model.predict(X) >= 0.5).astype(int)
mismatches = int(np.sum(tf_pred != Yhat))
print(f"NumPy and model predictions disagree on {mismatches} examples")
errors = int(np.sum(Yhat != y))
print(f"training errors: {errors} of {len(y)}")

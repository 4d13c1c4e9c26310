# Course-style assignment (course 2 week 3: "Advice for Applying Machine Learning", the
# neural-network part). Only the import lines differ from the TensorFlow version.
import logging

import numpy as np
from public_tests_c2w3 import model_r_test, model_s_test, model_test, test_eval_cat_err
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split

from glassnet import tf
from glassnet.keras.activations import linear, relu
from glassnet.keras.layers import Dense
from glassnet.keras.losses import SparseCategoricalCrossentropy
from glassnet.keras.models import Sequential
from glassnet.keras.optimizers import Adam

logging.getLogger("tensorflow").setLevel(logging.ERROR)
tf.autograph.set_verbosity(0)


def gen_blobs():
    classes = 6
    m = 800
    std = 0.4
    centers = np.array([[-1, 0], [1, 0], [0, 1], [0, -1], [-2, 1], [-2, -1]])
    X, y = make_blobs(n_samples=m, centers=centers, cluster_std=std, random_state=2,
                      n_features=2)
    return (X, y, centers, classes, std)


X, y, centers, classes, std = gen_blobs()
X_train, X_, y_train, y_ = train_test_split(X, y, test_size=0.50, random_state=1)
X_cv, X_test, y_cv, y_test = train_test_split(X_, y_, test_size=0.20, random_state=1)
print("X_train.shape:", X_train.shape, "X_cv.shape:", X_cv.shape, "X_test.shape:", X_test.shape)


# UNQ_C2
def eval_cat_err(y, yhat):
    m = len(y)
    incorrect = 0
    for i in range(m):
        if yhat[i] != y[i]:
            incorrect += 1
    cerr = incorrect / m
    return cerr


test_eval_cat_err(eval_cat_err)

# UNQ_C3: a complex model
tf.random.set_seed(1234)
model = Sequential(
    [
        Dense(120, activation="relu", name="L1"),
        Dense(40, activation="relu", name="L2"),
        Dense(classes, activation="linear", name="L3"),
    ], name="Complex"
)
model.compile(
    loss=SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(0.01),
)
model.fit(X_train, y_train, epochs=1000)
model.summary()
model_test(model, classes, X_train.shape[1])

model_predict = lambda Xl: np.argmax(tf.nn.softmax(model.predict(Xl)).numpy(), axis=1)  # noqa: E731
training_cerr_complex = eval_cat_err(y_train, model_predict(X_train))
cv_cerr_complex = eval_cat_err(y_cv, model_predict(X_cv))
print(f"categorization error, training, complex model: {training_cerr_complex:0.3f}")
print(f"categorization error, cv,       complex model: {cv_cerr_complex:0.3f}")

# UNQ_C4: a simple model (with the old lr= keyword, as many learners write it)
tf.random.set_seed(1234)
model_s = Sequential(
    [
        Dense(6, activation="relu", name="L1"),
        Dense(classes, activation="linear", name="L2"),
    ], name="Simple"
)
model_s.compile(
    loss=SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(lr=0.01),
)
model_s.fit(X_train, y_train, epochs=1000)
model_s.summary()
model_s_test(model_s, classes, X_train.shape[1])

model_predict_s = lambda Xl: np.argmax(tf.nn.softmax(model_s.predict(Xl)).numpy(), axis=1)  # noqa: E731
training_cerr_simple = eval_cat_err(y_train, model_predict_s(X_train))
cv_cerr_simple = eval_cat_err(y_cv, model_predict_s(X_cv))
print(f"categorization error, training, simple model, {training_cerr_simple:0.3f}, "
      f"complex model: {training_cerr_complex:0.3f}")
print(f"categorization error, cv,       simple model, {cv_cerr_simple:0.3f}, "
      f"complex model: {cv_cerr_complex:0.3f}")

# UNQ_C5: the complex model with L2 regularization
tf.random.set_seed(1234)
model_r = Sequential(
    [
        Dense(120, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.1),
              name="L1"),
        Dense(40, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.1),
              name="L2"),
        Dense(classes, activation="linear", name="L3"),
    ], name="ComplexRegularized"
)
model_r.compile(
    loss=SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(0.01),
)
model_r.fit(X_train, y_train, epochs=1000)
model_r.summary()
model_r_test(model_r, classes, X_train.shape[1])

model_predict_r = lambda Xl: np.argmax(tf.nn.softmax(model_r.predict(Xl)).numpy(), axis=1)  # noqa: E731
training_cerr_reg = eval_cat_err(y_train, model_predict_r(X_train))
cv_cerr_reg = eval_cat_err(y_cv, model_predict_r(X_cv))
test_cerr_reg = eval_cat_err(y_test, model_predict_r(X_test))
print(f"categorization error, training, regularized: {training_cerr_reg:0.3f}, simple model, "
      f"{training_cerr_simple:0.3f}, complex model: {training_cerr_complex:0.3f}")
print(f"categorization error, cv,       regularized: {cv_cerr_reg:0.3f}, simple model, "
      f"{cv_cerr_simple:0.3f}, complex model: {cv_cerr_complex:0.3f}")

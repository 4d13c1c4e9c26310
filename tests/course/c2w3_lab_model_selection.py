# Course-style lab (course 2 week 3: "Model Evaluation and Selection", the neural-network
# parts). The course's two CSV files are not public; data of the same kind is generated
# (a noisy one-feature regression, and two-feature blobs for classification). Only the
# import lines differ from the TensorFlow version.
import numpy as np
from sklearn.datasets import make_blobs
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from glassnet import tf
from glassnet.keras.layers import Dense
from glassnet.keras.models import Sequential

tf.get_logger().setLevel("ERROR")


def build_models():
    tf.random.set_seed(20)
    model_1 = Sequential([Dense(25, activation="relu"), Dense(15, activation="relu"),
                          Dense(1, activation="linear")], name="model_1")
    model_2 = Sequential([Dense(20, activation="relu"), Dense(12, activation="relu"),
                          Dense(12, activation="relu"), Dense(20, activation="relu"),
                          Dense(1, activation="linear")], name="model_2")
    model_3 = Sequential([Dense(32, activation="relu"), Dense(16, activation="relu"),
                          Dense(8, activation="relu"), Dense(4, activation="relu"),
                          Dense(12, activation="relu"), Dense(1, activation="linear")],
                         name="model_3")
    return [model_1, model_2, model_3]


# ---- regression: which architecture has the lowest cross-validation error?
rng = np.random.default_rng(1)
x = np.sort(rng.uniform(1600, 3600, 50)).reshape(-1, 1)
y = (0.05 * x[:, 0] + 8 * np.sqrt(x[:, 0] - 1500) + rng.normal(0, 40, 50)).reshape(-1, 1)
x_train, x_, y_train, y_ = train_test_split(x, y, test_size=0.40, random_state=1)
x_cv, x_test, y_cv, y_test = train_test_split(x_, y_, test_size=0.50, random_state=1)

degree = 1
poly = PolynomialFeatures(degree, include_bias=False)
X_train_mapped = poly.fit_transform(x_train)
X_cv_mapped = poly.transform(x_cv)
scaler = StandardScaler()
X_train_mapped_scaled = scaler.fit_transform(X_train_mapped)
X_cv_mapped_scaled = scaler.transform(X_cv_mapped)

nn_train_mses = []
nn_cv_mses = []
nn_models = build_models()
for model in nn_models:
    model.compile(loss="mse", optimizer=tf.keras.optimizers.Adam(learning_rate=0.1))
    print(f"Training {model.name}...")
    model.fit(X_train_mapped_scaled, y_train, epochs=300, verbose=0)
    print("Done!\n")
    yhat = model.predict(X_train_mapped_scaled)
    train_mse = mean_squared_error(y_train, yhat) / 2
    nn_train_mses.append(train_mse)
    yhat = model.predict(X_cv_mapped_scaled)
    cv_mse = mean_squared_error(y_cv, yhat) / 2
    nn_cv_mses.append(cv_mse)

print("RESULTS:")
for model_num in range(len(nn_train_mses)):
    print(f"Model {model_num + 1}: Training MSE: {nn_train_mses[model_num]:.2f}, "
          f"CV MSE: {nn_cv_mses[model_num]:.2f}")

# ---- classification: logits out, sigmoid applied afterwards with tf.math.sigmoid
x_bc, y_bc = make_blobs(n_samples=200, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std=1.0,
                        random_state=2)
y_bc = y_bc.reshape(-1, 1)
x_bc_train, x_, y_bc_train, y_ = train_test_split(x_bc, y_bc, test_size=0.40, random_state=1)
x_bc_cv, x_bc_test, y_bc_cv, y_bc_test = train_test_split(x_, y_, test_size=0.50,
                                                          random_state=1)
scaler_linear = StandardScaler()
x_bc_train_scaled = scaler_linear.fit_transform(x_bc_train)
x_bc_cv_scaled = scaler_linear.transform(x_bc_cv)

nn_train_error = []
nn_cv_error = []
models_bc = build_models()
for model in models_bc:
    model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.01))
    print(f"Training {model.name}...")
    model.fit(x_bc_train_scaled, y_bc_train, epochs=200, verbose=0)
    print("Done!\n")
    threshold = 0.5
    yhat = model.predict(x_bc_train_scaled)
    yhat = tf.math.sigmoid(yhat)
    yhat = np.where(yhat >= threshold, 1, 0)
    train_error = np.mean(yhat != y_bc_train)
    nn_train_error.append(train_error)
    yhat = model.predict(x_bc_cv_scaled)
    yhat = tf.math.sigmoid(yhat)
    yhat = np.where(yhat >= threshold, 1, 0)
    cv_error = np.mean(yhat != y_bc_cv)
    nn_cv_error.append(cv_error)

for model_num in range(len(nn_train_error)):
    print(f"Model {model_num + 1}: Training Set Classification Error: "
          f"{nn_train_error[model_num]:.5f}, CV Set Classification Error: "
          f"{nn_cv_error[model_num]:.5f}")
model_names = [m.name for m in nn_models + models_bc]

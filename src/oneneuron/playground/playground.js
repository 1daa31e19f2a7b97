"use strict";
// The oneneuron playground. The arithmetic at the top mirrors oneneuron.Neuron
// operation for operation (doubles are IEEE float64 in both); the rest draws.
(function () {
  // ------------------------------------------------------------------ math
  // numpy's pairwise summation (np.add.reduce on a contiguous float64 array),
  // so that mean() here rounds exactly as np.mean does.
  function pairwiseSum(a, lo, n) {
    if (n < 8) {
      let res = 0.0;
      for (let i = 0; i < n; i++) res += a[lo + i];
      return res;
    }
    if (n <= 128) {
      const r = [];
      for (let j = 0; j < 8; j++) r.push(a[lo + j]);
      let i = 8;
      for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
      let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) res += a[lo + i];
      return res;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
  }
  function mean(a) { return pairwiseSum(a, 0, a.length) / a.length; }

  // sigmoid(z) = 1 / (1 + exp(-z)), computed from exp(-|z|) so it never overflows.
  function sigmoid(z) {
    const e = Math.exp(-Math.abs(z));
    return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  }
  // d sigmoid / dz = sigmoid(z) (1 - sigmoid(z)) = e / (1 + e)^2 with e = exp(-|z|).
  function sigmoidGrad(z) {
    const e = Math.exp(-Math.abs(z));
    return e / ((1.0 + e) * (1.0 + e));
  }
  // log(1 + exp(z)), stable on both sides.
  function softplus(z) { return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); }

  // Forward pass, first half: z = X @ w + b, shape (n,).
  function logits(X, w, b) {
    const n = X.length, d = w.length, z = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = X[i];
      let s = x[0] * w[0];
      for (let j = 1; j < d; j++) s += x[j] * w[j];
      z[i] = s + b;
    }
    return z;
  }
  // Mean cross-entropy from the logits as oneneuron.functions.log_loss computes it:
  // softplus(-z) (= -log a) for y = 1, softplus(z) (= -log(1 - a)) for y = 0. Never
  // softplus(z) - y z, which cancels to 0 for a confident right answer (z > 37).
  function costFromLogits(z, y) {
    const l = new Array(z.length);
    for (let i = 0; i < z.length; i++) {
      l[i] = y[i] === 1 ? softplus(-z[i]) : y[i] === 0 ? softplus(z[i])
        : y[i] * softplus(-z[i]) + (1 - y[i]) * softplus(z[i]);
    }
    return mean(l);
  }
  function cost(X, y, w, b) { return costFromLogits(logits(X, w, b), y); }
  // Backward pass: dz = a - y; dw = X.T @ dz / n; db = mean(dz) (0 without a bias).
  function gradient(X, y, w, b, fitIntercept) {
    const n = X.length, d = w.length, z = logits(X, w, b);
    const dz = new Array(n), dw = new Array(d).fill(0.0);
    for (let i = 0; i < n; i++) dz[i] = sigmoid(z[i]) - y[i];
    for (let j = 0; j < d; j++) {
      let s = 0.0;
      for (let i = 0; i < n; i++) s += X[i][j] * dz[i];
      dw[j] = s / n;
    }
    return { z: z, cost: costFromLogits(z, y), dw: dw, db: fitIntercept ? mean(dz) : 0.0 };
  }
  // One gradient-descent step: forward, cost, backward, update. Returns the new
  // weights and the cost *before* the update (what Neuron's loop records).
  function gdStep(X, y, w, b, lr, fitIntercept) {
    const g = gradient(X, y, w, b, fitIntercept);
    const w2 = w.map((wj, j) => wj - lr * g.dw[j]);
    const b2 = fitIntercept ? b - lr * g.db : b;
    return { w: w2, b: b2, cost: g.cost };
  }

  // Solve A p = r (small dense, Gaussian elimination with partial pivoting).
  function solve(A, r) {
    const m = r.length, M = A.map((row, i) => row.concat([r[i]]));
    for (let c = 0; c < m; c++) {
      let piv = c;
      for (let i = c + 1; i < m; i++) if (Math.abs(M[i][c]) > Math.abs(M[piv][c])) piv = i;
      if (Math.abs(M[piv][c]) < 1e-300) return null;
      [M[c], M[piv]] = [M[piv], M[c]];
      for (let i = c + 1; i < m; i++) {
        const f = M[i][c] / M[c][c];
        for (let k = c; k <= m; k++) M[i][k] -= f * M[c][k];
      }
    }
    const p = new Array(m);
    for (let i = m - 1; i >= 0; i--) {
      let s = M[i][m];
      for (let k = i + 1; k < m; k++) s -= M[i][k] * p[k];
      p[i] = s / M[i][i];
    }
    return p;
  }
  // The Newton system at (w, b) of the mean cross-entropy: the gradient and the
  // solution p of H p = g with H = X~.T diag(a (1 - a)) X~ / n (X~ = [X, 1] with a
  // bias); the Newton step is -p. p is null when H is singular.
  function newtonSystem(X, y, w, b, fitIntercept) {
    const n = X.length, m = w.length + (fitIntercept ? 1 : 0);
    const g = gradient(X, y, w, b, fitIntercept);
    const grad = fitIntercept ? g.dw.concat([g.db]) : g.dw.slice();
    const H = [];
    for (let r = 0; r < m; r++) H.push(new Array(m).fill(0.0));
    for (let i = 0; i < n; i++) {
      const s = sigmoidGrad(g.z[i]) / n, xi = fitIntercept ? X[i].concat([1.0]) : X[i];
      for (let r = 0; r < m; r++) for (let c = 0; c <= r; c++) H[r][c] += s * xi[r] * xi[c];
    }
    for (let r = 0; r < m; r++) for (let c = r + 1; c < m; c++) H[r][c] = H[c][r];
    const p = solve(H, grad);
    return { g, grad, p: p === null || !p.every(Number.isFinite) ? null : p };
  }
  // One damped Newton step (the "Newton step" button): the step -p, halved until
  // the cost falls by Armijo's rule.
  function newtonStep(X, y, w, b, fitIntercept) {
    const d = w.length, { g, grad, p } = newtonSystem(X, y, w, b, fitIntercept);
    if (p === null) return null;
    const slope = grad.reduce((s, gi, i) => s + gi * p[i], 0.0);
    let t = 1.0;
    for (let k = 0; k < 60; k++, t /= 2) {
      const w2 = w.map((wj, j) => wj - t * p[j]);
      const b2 = fitIntercept ? b - t * p[d] : b;
      const c2 = cost(X, y, w2, b2);
      if (c2 <= g.cost - 1e-4 * t * slope || t < 1e-12) {
        return { w: w2, b: b2, cost: c2, gradNorm: Math.sqrt(grad.reduce((s, v) => s + v * v, 0)) };
      }
    }
    return null;
  }
  // float64 resolution of the cost, as oneneuron.solvers._base (round_off, at_float_floor):
  // changes of f below roundOff(f) are round-off; a predicted decrease below the floor of
  // a mean over n rows cannot show in f any more.
  const EPS = 2.220446049250313e-16;
  function roundOff(f) { return 32 * EPS * Math.max(1.0, Math.abs(f)); }
  function atFloatFloor(decrease, f, rows) {
    return decrease <= 16 * Math.sqrt(Math.max(1, rows)) * EPS * Math.max(1.0, Math.abs(f));
  }
  // Newton to convergence from zero, stopping as oneneuron's solver="newton" does
  // (oneneuron.solvers.newton): after a step that moved every parameter by at most
  // tol * max(1, |parameter|) (Newton's error is then about its square), or when the
  // cost can no longer decrease in float64 (two steps in a row without a decrease
  // beyond round-off and without a step half the smallest yet). The full step is
  // taken when its change of the cost is within round-off. Separable points have
  // no finite optimum: the cost then falls towards 0 while the weights grow without bound.
  function newtonFit(X, y, fitIntercept, tol, maxIter) {
    tol = tol === undefined ? 1e-12 : tol;
    maxIter = maxIter === undefined ? 100 : maxIter;
    const n = X.length, d = X[0].length;
    let w = new Array(d).fill(0.0), b = 0.0, sys = newtonSystem(X, y, w, b, fitIntercept);
    let f = sys.g.cost, it = 0, converged = false, stop = "";
    let stalls = 0, lastMeasure = Infinity, decreased = true;
    while (sys.p !== null) {
      const theta = fitIntercept ? w.concat([b]) : w.slice(), grad = sys.grad;
      let step = sys.p.map((v) => -v);
      let slope = grad.reduce((s, gi, i) => s + gi * step[i], 0.0);
      if (!(slope < 0)) {  // not a descent direction (numerical breakdown): use -g
        step = grad.map((v) => -v);
        slope = -grad.reduce((s, v) => s + v * v, 0.0);
      }
      const measure = Math.max(...step.map((v, i) => Math.abs(v) / Math.max(1.0, Math.abs(theta[i]))));
      if (it > 0) stalls = decreased || measure < 0.5 * lastMeasure ? 0 : stalls + 1;
      lastMeasure = Math.min(lastMeasure, measure);
      if (stalls >= 2) {
        converged = atFloatFloor(-0.5 * slope, f, n);
        stop = "float64 floor: the cost no longer decreases";
        break;
      }
      if (it >= maxIter) break;
      const noise = roundOff(f);
      const at = (t) => ({ w: w.map((wj, j) => wj + t * step[j]), b: fitIntercept ? b + t * step[d] : b });
      let t = 1.0, next = at(1.0), fNext = cost(X, y, next.w, next.b);
      if (!(Number.isFinite(fNext) && (fNext <= f + 1e-4 * slope || Math.abs(fNext - f) <= noise))) {
        let found = false;
        for (let k = 0; k < 40 && !found; k++) {
          t *= 0.5;
          next = at(t);
          fNext = cost(X, y, next.w, next.b);
          found = Number.isFinite(fNext) && fNext <= f + 1e-4 * t * slope;
        }
        if (!found) {
          converged = atFloatFloor(-0.5 * slope, f, n);
          stop = "float64 floor: the line search finds no decrease";
          break;
        }
      }
      w = next.w; b = next.b; it += 1;
      const norm = Math.sqrt(w.reduce((a, v) => a + v * v, b * b));
      if (norm > 1e4 || fNext < 1e-10) return { separable: true, iterations: it };
      const fOld = f;
      sys = newtonSystem(X, y, w, b, fitIntercept);
      f = sys.g.cost;
      decreased = f < fOld - noise;
      if (t * measure <= tol) {
        converged = true;
        stop = `relative step ${(t * measure).toExponential(1)}`;
        break;
      }
    }
    const g = sys.g;
    const gmax = Math.max(...g.dw.map(Math.abs), Math.abs(g.db));
    if (converged || gmax < 1e-9) {
      return { w: w, b: b, cost: g.cost, iterations: it, separable: false, converged: converged, stop: stop };
    }
    return { separable: true, iterations: it };
  }
  // Polynomial features: the monomials x1^i x2^j in scikit-learn's PolynomialFeatures order.
  function polyFeatures(X, powers) {
    return X.map((x) => powers.map(([i, j]) => Math.pow(x[0], i) * Math.pow(x[1], j)));
  }

  // ------------------------------------------------------------------ state
  const DATA = JSON.parse(document.getElementById("playground-data").textContent);
  const $ = (id) => document.getElementById(id);
  const S = {};  // the current data set, its (possibly extended) points and the learner

  function loadDataset(key) {
    const ds = DATA.datasets.find((d) => d.key === key);
    S.ds = ds;
    S.X = ds.X.map((r) => r.slice());
    S.y = ds.y.slice();
    S.added = 0;
    S.exact = ds.kind === "linear" ? ds.optimum : null;  // oneneuron's, until points change
    S.exactSource = ds.optimum ? "oneneuron (Python), when the page was built" : null;
    S.showExact = false;
    S.lambdaIndex = ds.kind === "poly" ? Math.min(2, ds.fits.length - 1) : 0;
    S.surface = null;  // the loss surface is the data's: computed afresh for the new data
    resetLearner();
    buildControls();
    refresh();
  }
  function resetLearner() {
    stopPlay();  // a data set loaded, Reset, or a new λ: the learner starts afresh, stopped
    const ds = S.ds;
    if (ds.kind === "poly") {
      S.Phi = polyFeatures(S.X, ds.powers);
      const f = ds.fits[S.lambdaIndex];
      S.w = f.w.slice(); S.b = f.b;
    } else {
      S.w = ds.start.w.slice(); S.b = ds.start.b;
    }
    S.steps = 0;
    S.history = [];
    S.path = [params()];
    $("learning-rate").value = String(ds.learning_rate || 1);
    setMessage("");
  }
  // Play: one gradient-descent step every 60 ms until Pause, Reset or a change of data set.
  let playTimer = null;
  function startPlay() {
    const b = $("play");
    b.textContent = "Pause"; b.setAttribute("aria-pressed", "true");
    playTimer = setInterval(() => { if (S.ds.kind !== "linear") stopPlay(); else runSteps(1); }, 60);
  }
  // Stops the timer itself (not by clicking Play, which is disabled for Microchips).
  function stopPlay() {
    if (playTimer !== null) { clearInterval(playTimer); playTimer = null; }
    const b = $("play");
    b.textContent = "Play"; b.setAttribute("aria-pressed", "false");
  }
  function params() { return S.ds.fit_intercept ? S.w.concat([S.b]) : S.w.slice(); }
  function design() { return S.ds.kind === "poly" ? S.Phi : S.X; }
  function nParams() { return S.w.length + (S.ds.fit_intercept ? 1 : 0); }
  function setMessage(text, warn) {
    const m = $("message");
    m.textContent = text;
    m.className = warn ? "warn" : "";
  }
  function pointsChanged() {
    S.exact = null;
    S.exactSource = null;
    S.showExact = false;
    S.history = [];
    S.path = [params()];
    S.steps = 0;
    S.surface = null;
  }

  // ------------------------------------------------------------------ actions
  function learningRate() {
    const lr = Number($("learning-rate").value);
    if (!(lr > 0) || !Number.isFinite(lr)) {
      setMessage("learning rate must be a positive number", true);
      return null;
    }
    return lr;
  }
  function runSteps(k) {
    if (S.ds.kind !== "linear") return;
    if (S.y.length === 0) { setMessage("add points first", true); return; }
    const lr = learningRate();
    if (lr === null) return;
    const first = S.history.length;
    for (let s = 0; s < k; s++) {
      const r = gdStep(S.X, S.y, S.w, S.b, lr, S.ds.fit_intercept);
      S.history.push(r.cost);
      S.w = r.w; S.b = r.b;
      S.steps += 1;
      S.path.push(params());
    }
    // Gradient descent with a small enough rate never raises the cost of this convex
    // loss; a step that does (beyond rounding) means the rate overshoots the minimum.
    const costs = S.history.slice(first).concat([cost(S.X, S.y, S.w, S.b)]);
    let rises = 0, worst = 0;
    for (let i = 1; i < costs.length; i++) {
      const up = costs[i] - costs[i - 1];
      if (up > roundOff(costs[i - 1])) { rises += 1; if (up > worst) worst = up; }
    }
    if (!S.w.every(Number.isFinite) || !Number.isFinite(S.b)) {
      setMessage("the weights overflowed: the learning rate is too large; Reset", true);
    } else if (rises > 0) {
      const what = k === 1 ? `this step raised the cost by ${fmt(worst, 4)}`
        : `the cost rose at ${rises} of these ${k} steps (by up to ${fmt(worst, 4)})`;
      setMessage(`${what}, to ${fmt(costs[costs.length - 1], 6)}: learning rate ${lr} is `
        + "too large, each step overshoots the minimum; lower it", true);
    } else {
      setMessage(`${S.steps} step${S.steps === 1 ? "" : "s"} of gradient descent at learning rate ${lr}`);
    }
    refresh();
  }
  function newtonOnce() {
    if (S.ds.kind !== "linear" || S.y.length === 0) return;
    const r = newtonStep(S.X, S.y, S.w, S.b, S.ds.fit_intercept);
    if (r === null) { setMessage("Newton step failed (singular Hessian)", true); return; }
    S.history.push(cost(S.X, S.y, S.w, S.b));
    S.w = r.w; S.b = r.b; S.steps += 1;
    S.path.push(params());
    setMessage("one Newton step (with backtracking)");
    refresh();
  }
  function fitExactly() {
    if (S.ds.kind !== "linear") return;
    if (S.y.length === 0) { setMessage("add points first", true); return; }
    if (S.exact === null) {
      const r = newtonFit(S.X, S.y, S.ds.fit_intercept);
      if (r.separable) {
        setMessage("these points are separable: the cost falls towards 0 as the weights "
          + "grow, and no finite optimum exists. Add a point on the wrong side.", true);
        return;
      }
      S.exact = { w: r.w, b: r.b, cost: r.cost };
      S.exactSource = `Newton's method in this page, ${r.iterations} iteration${r.iterations === 1 ? "" : "s"}`
        + (r.stop ? ` (stopped: ${r.stop})` : "");
    }
    S.showExact = true;
    setMessage("exact optimum: " + S.exactSource);
    refresh();
  }
  function addPoint(x, cls) {
    if (S.ds.kind !== "linear") return;
    S.X.push(x.slice(0, S.w.length));
    S.y.push(cls);
    S.added += 1;
    pointsChanged();
    setMessage(`added a point of class ${cls}; ${S.y.length} points`);
    refresh();
  }
  function clearAdded() {
    if (S.added === 0) return;
    S.X = S.ds.X.map((r) => r.slice());
    S.y = S.ds.y.slice();
    S.added = 0;
    pointsChanged();
    S.exact = S.ds.optimum;
    S.exactSource = S.ds.optimum ? "oneneuron (Python), when the page was built" : null;
    refresh();
  }

  // ------------------------------------------------------------------ controls
  function buildControls() {
    const ds = S.ds, box = $("sliders");
    box.innerHTML = "";
    $("about").textContent = ds.about;
    const linear = ds.kind === "linear";
    $("weights-panel").classList.toggle("hidden", !linear);
    $("lambda-panel").classList.toggle("hidden", linear);
    $("points-panel").classList.toggle("hidden", !linear);
    $("learn-panel").classList.toggle("hidden", !linear);  // 27 weights: no sliders, no steps
    for (const id of ["step", "run", "play", "newton", "fit", "learning-rate", "n-steps"]) {
      $(id).disabled = !linear;
    }
    $("add-x2").classList.toggle("hidden", ds.features.length < 2);
    $("add-x2-label").classList.toggle("hidden", ds.features.length < 2);
    $("data-plot").classList.toggle("one-d", ds.features.length === 1);
    $("cost-figure").classList.toggle("hidden", !linear);
    $("arrow-legend").classList.toggle("hidden", !linear || ds.features.length === 1);
    $("data-caption").textContent = !linear
      ? "The chips, P(accepted) shading and the curved boundary a = 0.5 of the fit for this λ."
      : ds.features.length === 1
        ? "The points (class on the vertical axis), the curve a = sigmoid(w x + b) and the "
          + "boundary x = -b / w (drag it to move b). Click to add a point."
        : "The points, P(class 1) shading and the boundary a = 0.5 (drag it to move it"
          + (ds.fit_intercept ? "" : "; without a bias it turns about the origin")
          + "). Click elsewhere to add a point. Outlined points are misclassified.";
    if (!linear) {
      const lam = $("lambda");
      lam.max = String(ds.fits.length - 1);
      lam.value = String(S.lambdaIndex);
      return;
    }
    const names = ds.features.length === 1 ? ["w"] : ds.features.map((_, j) => `w${j + 1}`);
    const specs = names.map((name, j) => ({ name, range: ds.w_range, get: () => S.w[j],
      set: (v) => { S.w[j] = v; } }));
    if (ds.fit_intercept) {
      specs.push({ name: "b", range: ds.b_range, get: () => S.b, set: (v) => { S.b = v; } });
    }
    S.sliders = specs.map((sp) => {
      const id = "slider-" + sp.name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = sp.name === "b" ? "b (bias)" : `${sp.name} (weight of ${ds.features[Number(sp.name.slice(1) || 1) - 1]})`;
      const row = document.createElement("div");
      row.className = "row";
      const input = document.createElement("input");
      Object.assign(input, { type: "range", id: id, min: sp.range[0], max: sp.range[1],
        step: (sp.range[1] - sp.range[0]) / 1000 });
      const out = document.createElement("output");
      out.htmlFor = id;
      input.addEventListener("input", () => {
        sp.set(Number(input.value));
        S.path.push(params());
        refresh(false);
      });
      row.append(input, out);
      box.append(label, row);
      return { spec: sp, input, out };
    });
  }
  function syncSliders(moveThumbs) {
    if (S.ds.kind !== "linear") {
      const f = S.ds.fits[S.lambdaIndex];
      $("lambda-value").textContent = String(f.lambda);
      return;
    }
    for (const s of S.sliders) {
      const v = s.spec.get();
      if (moveThumbs) s.input.value = String(v);
      s.out.textContent = fmt(v, 3);
    }
  }

  // ------------------------------------------------------------------ drawing helpers
  function fmt(v, digits) {
    if (!Number.isFinite(v)) return String(v);
    if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(digits);
    return v.toFixed(digits);
  }
  function setupCanvas(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx, w, h };
  }
  // A map from data coordinates to canvas pixels inside a margin.
  function frame(w, h, xr, yr, m) {
    const L = m.l, R = w - m.r, T = m.t, B = h - m.b;
    return {
      xr, yr, L, R, T, B,
      px: (x) => L + (x - xr[0]) / (xr[1] - xr[0]) * (R - L),
      py: (y) => B - (y - yr[0]) / (yr[1] - yr[0]) * (B - T),
      ix: (px) => xr[0] + (px - L) / (R - L) * (xr[1] - xr[0]),
      iy: (py) => yr[0] + (B - py) / (B - T) * (yr[1] - yr[0]),
    };
  }
  function ticks(lo, hi, n) {
    const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw);
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) out.push(Math.abs(t) < step / 1e6 ? 0 : t);
    return out;
  }
  function axes(ctx, f, xlabel, ylabel) {
    ctx.strokeStyle = "#8a949e"; ctx.lineWidth = 1;
    ctx.strokeRect(f.L, f.T, f.R - f.L, f.B - f.T);
    ctx.fillStyle = "#3d4750"; ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(f.xr[0], f.xr[1], 5)) {
      ctx.fillText(String(+t.toPrecision(6)), f.px(t), f.B + 3);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks(f.yr[0], f.yr[1], 5)) {
      ctx.fillText(String(+t.toPrecision(6)), f.L - 3, f.py(t));
    }
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(xlabel, (f.L + f.R) / 2, f.B + 30);
    ctx.save(); ctx.translate(12, (f.T + f.B) / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "top"; ctx.fillText(ylabel, 0, -8); ctx.restore();
  }
  function arrow(ctx, x0, y0, x1, y1, color) {
    const a = Math.atan2(y1 - y0, x1 - x0), hl = 9;
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 2.2;
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - hl * Math.cos(a - 0.4), y1 - hl * Math.sin(a - 0.4));
    ctx.lineTo(x1 - hl * Math.cos(a + 0.4), y1 - hl * Math.sin(a + 0.4));
    ctx.closePath(); ctx.fill();
  }
  const C0 = [192, 57, 43], C1 = [31, 95, 168];
  function mix(p, alpha) {
    const c = C0.map((v, k) => Math.round(v + (C1[k] - v) * p));
    return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
  }
  function point(ctx, x, y, cls, wrong, r) {
    ctx.beginPath();
    if (cls === 1) ctx.arc(x, y, r, 0, 2 * Math.PI);
    else ctx.rect(x - r, y - r, 2 * r, 2 * r);
    ctx.fillStyle = cls === 1 ? "rgb(31,95,168)" : "rgb(192,57,43)";
    ctx.fill();
    ctx.lineWidth = wrong ? 2 : 0.8;
    ctx.strokeStyle = wrong ? "#000" : "#fff";
    ctx.stroke();
  }
  // Segments of the level set f = 0 on a grid (marching squares, linear interpolation).
  function contour(vals, nx, ny, gx, gy) {
    const segs = [];
    const lerp = (a, b, va, vb) => a + (b - a) * (va / (va - vb));
    for (let j = 0; j < ny - 1; j++) {
      for (let i = 0; i < nx - 1; i++) {
        const v = [vals[j][i], vals[j][i + 1], vals[j + 1][i + 1], vals[j + 1][i]];
        const p = [[gx[i], gy[j]], [gx[i + 1], gy[j]], [gx[i + 1], gy[j + 1]], [gx[i], gy[j + 1]]];
        const cross = [];
        for (let k = 0; k < 4; k++) {
          const a = v[k], b = v[(k + 1) % 4];
          if ((a > 0) !== (b > 0)) {
            const pa = p[k], pb = p[(k + 1) % 4];
            cross.push([lerp(pa[0], pb[0], a, b), lerp(pa[1], pb[1], a, b)]);
          }
        }
        if (cross.length === 2) segs.push(cross);
        else if (cross.length === 4) { segs.push([cross[0], cross[1]]); segs.push([cross[2], cross[3]]); }
      }
    }
    return segs;
  }

  // ------------------------------------------------------------------ the data plot
  let dataFrame = null, surfaceFrame = null;
  function zAt(x) {
    if (S.ds.kind === "poly") {
      const phi = S.ds.powers.map(([i, j]) => Math.pow(x[0], i) * Math.pow(x[1], j));
      return logits([phi], S.w, S.b)[0];
    }
    return logits([x], S.w, S.b)[0];
  }
  function drawData() {
    const canvas = $("data-plot"), { ctx, w, h } = setupCanvas(canvas), ds = S.ds;
    const oneD = ds.features.length === 1;
    const xr = ds.view[0], yr = oneD ? [-0.08, 1.08] : ds.view[1];
    const f = frame(w, h, xr, yr, { l: 44, r: 10, t: 10, b: 40 });
    dataFrame = f;
    const r = S.y.length > 400 ? 3 : 4.5;
    if (oneD) {
      ctx.strokeStyle = "#e3e7eb";
      for (const v of [0, 0.5, 1]) { ctx.beginPath(); ctx.moveTo(f.L, f.py(v)); ctx.lineTo(f.R, f.py(v)); ctx.stroke(); }
      ctx.strokeStyle = "#1d232a"; ctx.lineWidth = 2.2; ctx.beginPath();
      for (let k = 0; k <= 200; k++) {
        const x = xr[0] + (xr[1] - xr[0]) * k / 200, p = sigmoid(S.w[0] * x + S.b);
        k ? ctx.lineTo(f.px(x), f.py(p)) : ctx.moveTo(f.px(x), f.py(p));
      }
      ctx.stroke();
      if (S.showExact && S.exact) {
        ctx.strokeStyle = "#2a9d55"; ctx.setLineDash([6, 4]); ctx.beginPath();
        for (let k = 0; k <= 200; k++) {
          const x = xr[0] + (xr[1] - xr[0]) * k / 200, p = sigmoid(S.exact.w[0] * x + S.exact.b);
          k ? ctx.lineTo(f.px(x), f.py(p)) : ctx.moveTo(f.px(x), f.py(p));
        }
        ctx.stroke(); ctx.setLineDash([]);
      }
      if (S.w[0] !== 0) {
        const xb = -S.b / S.w[0];
        ctx.strokeStyle = "#6c3fb5"; ctx.lineWidth = 2; ctx.beginPath();
        ctx.moveTo(f.px(xb), f.T); ctx.lineTo(f.px(xb), f.B); ctx.stroke();
      }
      const z = logits(S.X, S.w, S.b);
      S.X.forEach((x, i) => {
        point(ctx, f.px(x[0]), f.py(S.y[i] + jitter(i)), S.y[i], (z[i] > 0) !== (S.y[i] === 1), r - 1);
      });
      axes(ctx, f, ds.features[0], "a = sigmoid(w x + b)");
      return;
    }
    // P(class 1) shading on a coarse grid
    const cell = 6;
    for (let py = f.T; py < f.B; py += cell) {
      for (let px = f.L; px < f.R; px += cell) {
        const p = sigmoid(zAt([f.ix(px + cell / 2), f.iy(py + cell / 2)]));
        ctx.fillStyle = mix(p, 0.28);
        ctx.fillRect(px, py, Math.min(cell, f.R - px), Math.min(cell, f.B - py));
      }
    }
    ctx.lineWidth = 2.4; ctx.strokeStyle = "#6c3fb5";
    if (ds.kind === "poly") {
      const nx = 120, ny = 120, gx = [], gy = [], vals = [];
      for (let i = 0; i < nx; i++) gx.push(xr[0] + (xr[1] - xr[0]) * i / (nx - 1));
      for (let j = 0; j < ny; j++) gy.push(yr[0] + (yr[1] - yr[0]) * j / (ny - 1));
      for (let j = 0; j < ny; j++) vals.push(gx.map((x) => zAt([x, gy[j]])));
      ctx.beginPath();
      for (const [a, b] of contour(vals, nx, ny, gx, gy)) {
        ctx.moveTo(f.px(a[0]), f.py(a[1])); ctx.lineTo(f.px(b[0]), f.py(b[1]));
      }
      ctx.stroke();
    } else {
      ctx.save(); ctx.beginPath(); ctx.rect(f.L, f.T, f.R - f.L, f.B - f.T); ctx.clip();
      const line = (wv, b, color, dash) => {
        const seg = boundarySegment(wv, b, xr, yr);
        if (!seg) return;
        ctx.strokeStyle = color; ctx.setLineDash(dash);
        ctx.beginPath(); ctx.moveTo(f.px(seg[0][0]), f.py(seg[0][1]));
        ctx.lineTo(f.px(seg[1][0]), f.py(seg[1][1])); ctx.stroke(); ctx.setLineDash([]);
      };
      if (S.showExact && S.exact) line(S.exact.w, S.exact.b, "#2a9d55", [7, 5]);
      line(S.w, S.b, "#6c3fb5", []);
      ctx.restore();
    }
    const z = logits(design(), S.w, S.b);
    S.X.forEach((x, i) => point(ctx, f.px(x[0]), f.py(x[1]), S.y[i], (z[i] > 0) !== (S.y[i] === 1), r));
    if (ds.kind === "linear" && S.y.length > 0) {
      // the descent direction -dw, drawn from the boundary point nearest the centre
      const g = gradient(S.X, S.y, S.w, S.b, ds.fit_intercept), gn = Math.hypot(g.dw[0], g.dw[1]);
      if (gn > 0 && Number.isFinite(gn)) {
        let c = [(xr[0] + xr[1]) / 2, (yr[0] + yr[1]) / 2];
        const wn2 = S.w[0] * S.w[0] + S.w[1] * S.w[1];
        if (wn2 > 0) {
          const t = (S.w[0] * c[0] + S.w[1] * c[1] + S.b) / wn2;
          const q = [c[0] - t * S.w[0], c[1] - t * S.w[1]];
          if (q[0] > xr[0] && q[0] < xr[1] && q[1] > yr[0] && q[1] < yr[1]) c = q;
        }
        const len = 0.3 * (f.R - f.L) * gn / (gn + 0.05);
        const ux = -g.dw[0] / gn, uy = -g.dw[1] / gn;
        arrow(ctx, f.px(c[0]), f.py(c[1]), f.px(c[0]) + ux * len, f.py(c[1]) - uy * len, "#e07b00");
      }
    }
    axes(ctx, f, ds.features[0], ds.features[1]);
  }
  // 1-D points sit at y = 0 or 1, spread a little vertically so that they do not all overlap.
  function jitter(i) { return ((i * 0.6180339887) % 1 - 0.5) * 0.06; }
  // The part of the line w . x + b = 0 inside the view box.
  function boundarySegment(w, b, xr, yr) {
    const pts = [];
    if (w[1] !== 0) for (const x of xr) { const y = -(w[0] * x + b) / w[1]; if (y >= yr[0] && y <= yr[1]) pts.push([x, y]); }
    if (w[0] !== 0) for (const y of yr) { const x = -(w[1] * y + b) / w[0]; if (x >= xr[0] && x <= xr[1]) pts.push([x, y]); }
    return pts.length >= 2 ? [pts[0], pts[pts.length - 1]] : null;
  }

  // ------------------------------------------------------------------ cost and surface
  function drawCost() {
    const { ctx, w, h } = setupCanvas($("cost-plot"));
    const hist = S.history.concat(S.y.length && S.ds.kind === "linear" ? [cost(S.X, S.y, S.w, S.b)] : []);
    const finite = hist.filter(Number.isFinite);
    const opt = S.showExact && S.exact ? S.exact.cost : null;
    let hi = Math.max(0.1, ...finite.slice(0, 200)), lo = 0;
    if (opt !== null) hi = Math.max(hi, opt * 1.1);
    const f = frame(w, h, [0, Math.max(hist.length - 1, 1)], [lo, hi * 1.05], { l: 44, r: 10, t: 10, b: 40 });
    if (opt !== null) {
      ctx.strokeStyle = "#2a9d55"; ctx.setLineDash([6, 4]); ctx.beginPath();
      ctx.moveTo(f.L, f.py(opt)); ctx.lineTo(f.R, f.py(opt)); ctx.stroke(); ctx.setLineDash([]);
    }
    ctx.save(); ctx.beginPath(); ctx.rect(f.L, f.T, f.R - f.L, f.B - f.T); ctx.clip();
    ctx.strokeStyle = "#1d232a"; ctx.lineWidth = 1.8; ctx.beginPath();
    hist.forEach((c, i) => { const y = f.py(Math.min(c, hi * 2)); i ? ctx.lineTo(f.px(i), y) : ctx.moveTo(f.px(i), y); });
    ctx.stroke(); ctx.restore();
    if (hist.length === 1) { ctx.fillStyle = "#1d232a"; ctx.beginPath(); ctx.arc(f.px(0), f.py(hist[0]), 3, 0, 7); ctx.fill(); }
    axes(ctx, f, "step", "mean cross-entropy");
  }
  // Two parameters (1-D with bias, or 2-D without): the loss as a surface over them.
  function surfaceParams() {
    const ds = S.ds;
    if (ds.kind !== "linear" || nParams() !== 2) return null;
    if (ds.fit_intercept) return { names: ["w", "b"], ranges: [ds.w_range, ds.b_range] };
    return { names: ["w1", "w2"], ranges: [ds.w_range, ds.w_range] };
  }
  function costAtParams(p) {
    return S.ds.fit_intercept ? cost(S.X, S.y, [p[0]], p[1]) : cost(S.X, S.y, [p[0], p[1]], 0.0);
  }
  function drawSurface() {
    const sp = surfaceParams();
    $("surface-figure").classList.toggle("hidden", sp === null);
    if (sp === null || S.y.length === 0) return;
    const { ctx, w, h } = setupCanvas($("surface-plot"));
    const f = frame(w, h, sp.ranges[0], sp.ranges[1], { l: 44, r: 10, t: 10, b: 40 });
    surfaceFrame = f;
    const N = 60;
    // cached per data (set to null by every change of the points) and canvas width
    if (!S.surface || S.surface.w !== w || S.surface.ds !== S.ds) {
      const vals = [], gx = [], gy = [];
      for (let i = 0; i < N; i++) gx.push(f.xr[0] + (f.xr[1] - f.xr[0]) * (i + 0.5) / N);
      for (let j = 0; j < N; j++) gy.push(f.yr[0] + (f.yr[1] - f.yr[0]) * (j + 0.5) / N);
      for (let j = 0; j < N; j++) vals.push(gx.map((x) => Math.log(costAtParams([x, gy[j]]))));
      S.surface = { w, ds: S.ds, vals, gx, gy };
    }
    const { vals, gx, gy } = S.surface;
    let lo = Infinity, hi = -Infinity;
    for (const row of vals) for (const v of row) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const color = (t) => {
      const s = Math.max(0, Math.min(1, t)) * (stops.length - 1), k = Math.min(Math.floor(s), stops.length - 2), u = s - k;
      return `rgb(${stops[k].map((c, m) => Math.round(c + (stops[k + 1][m] - c) * u)).join(",")})`;
    };
    const cw = (f.R - f.L) / N, ch = (f.B - f.T) / N;
    for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) {
      ctx.fillStyle = color((vals[j][i] - lo) / (hi - lo));
      ctx.fillRect(f.L + i * cw, f.B - (j + 1) * ch, cw + 0.6, ch + 0.6);
    }
    ctx.strokeStyle = "rgba(255,255,255,0.55)"; ctx.lineWidth = 1;
    for (let k = 1; k < 8; k++) {
      const level = lo + (hi - lo) * k / 8;
      ctx.beginPath();
      for (const [a, b] of contour(vals.map((r) => r.map((v) => v - level)), N, N, gx, gy)) {
        ctx.moveTo(f.px(a[0]), f.py(a[1])); ctx.lineTo(f.px(b[0]), f.py(b[1]));
      }
      ctx.stroke();
    }
    ctx.save(); ctx.beginPath(); ctx.rect(f.L, f.T, f.R - f.L, f.B - f.T); ctx.clip();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.6; ctx.beginPath();
    S.path.forEach((p, i) => { i ? ctx.lineTo(f.px(p[0]), f.py(p[1])) : ctx.moveTo(f.px(p[0]), f.py(p[1])); });
    ctx.stroke();
    const cur = params();
    const g = gradient(S.X, S.y, S.w, S.b, S.ds.fit_intercept);
    const gv = S.ds.fit_intercept ? [g.dw[0], g.db] : g.dw;
    const gn = Math.hypot(gv[0] / (f.xr[1] - f.xr[0]), gv[1] / (f.yr[1] - f.yr[0]));
    if (gn > 0) {
      const len = 0.25 * (f.R - f.L) * gn / (gn + 0.01);
      const dx = -gv[0] / (f.xr[1] - f.xr[0]) / gn, dy = -gv[1] / (f.yr[1] - f.yr[0]) / gn;
      arrow(ctx, f.px(cur[0]), f.py(cur[1]), f.px(cur[0]) + dx * len, f.py(cur[1]) - dy * len, "#ff8c1a");
    }
    ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000"; ctx.lineWidth = 1.2;
    ctx.beginPath(); ctx.arc(f.px(cur[0]), f.py(cur[1]), 5, 0, 7); ctx.fill(); ctx.stroke();
    const opt = S.exact;
    if (opt) {
      const o = S.ds.fit_intercept ? [opt.w[0], opt.b] : opt.w;
      ctx.strokeStyle = "#ff3b3b"; ctx.lineWidth = 3;
      const X = f.px(o[0]), Y = f.py(o[1]);
      ctx.beginPath(); ctx.moveTo(X - 6, Y - 6); ctx.lineTo(X + 6, Y + 6); ctx.moveTo(X - 6, Y + 6); ctx.lineTo(X + 6, Y - 6); ctx.stroke();
    }
    ctx.restore();
    axes(ctx, f, sp.names[0], sp.names[1]);
  }

  // ------------------------------------------------------------------ numbers
  function accuracy(z, y) {
    let ok = 0;
    for (let i = 0; i < y.length; i++) if ((z[i] > 0) === (y[i] === 1)) ok += 1;
    return ok / y.length;
  }
  function drawNumbers() {
    const rows = [], ds = S.ds, n = S.y.length;
    if (ds.kind === "poly") {
      const fit = ds.fits[S.lambdaIndex], z = logits(S.Phi, S.w, S.b);
      rows.push(["λ", String(fit.lambda)], ["terms (with the bias)", String(ds.powers.length + 1)],
        ["training accuracy", fmt(100 * accuracy(z, S.y), 1) + " %"],
        ["mean cross-entropy (no penalty)", fmt(costFromLogits(z, S.y), 6)],
        ["largest |w|", fmt(Math.max(...S.w.map(Math.abs)), 4)],
        ["fitted by", "oneneuron NeuronClassifier(alpha = λ / m, standardize=False), at build time"]);
    } else if (n === 0) {
      rows.push(["points", "none yet: click in the plot"]);
    } else {
      const g = gradient(S.X, S.y, S.w, S.b, ds.fit_intercept);
      const gv = ds.fit_intercept ? g.dw.concat([g.db]) : g.dw;
      rows.push(["points", String(n) + (S.added ? ` (${S.added} added)` : "")],
        ["steps taken", String(S.steps)],
        ["cost (mean cross-entropy)", fmt(g.cost, 6)],
        ["gradient (dw" + (ds.fit_intercept ? ", db)" : ")"), "(" + gv.map((v) => fmt(v, 4)).join(", ") + ")"],
        ["|gradient|", fmt(Math.hypot(...gv), 4)],
        ["training accuracy", fmt(100 * accuracy(g.z, S.y), 1) + " %"]);
      if (S.showExact && S.exact) {
        const e = S.exact, p = params(), q = ds.fit_intercept ? e.w.concat([e.b]) : e.w;
        rows.push(["exact optimum (w" + (ds.fit_intercept ? ", b)" : ")"), "(" + q.map((v) => fmt(v, 4)).join(", ") + ")"],
          ["exact optimum's cost", fmt(e.cost, 6)],
          ["distance to the optimum", fmt(Math.hypot(...p.map((v, i) => v - q[i])), 4)],
          ["optimum computed by", S.exactSource]);
      }
    }
    const tb = $("numbers").tBodies[0];
    tb.innerHTML = "";
    for (const [k, v] of rows) {
      const tr = tb.insertRow();
      tr.insertCell().textContent = k;
      const td = tr.insertCell(); td.textContent = v; td.className = "num";
    }
    const ws = ds.kind === "linear" ? "w = (" + S.w.map((v) => fmt(v, 4)).join(", ") + ")" + (ds.fit_intercept ? ", b = " + fmt(S.b, 4) : ", no bias") : "";
    $("weights-readout").textContent = ws;
    if ($("points-details").open) drawPointsTable();
  }
  function drawPointsTable() {
    const z = logits(design(), S.w, S.b), ds = S.ds;
    const head = ds.features.map((f) => `<th scope="col">${f.replace(/[<&]/g, "")}</th>`).join("");
    const body = S.X.slice(0, 2000).map((x, i) =>
      "<tr>" + x.map((v) => `<td class="num">${fmt(v, 3)}</td>`).join("") +
      `<td class="num">${S.y[i]}</td><td class="num">${fmt(z[i], 3)}</td><td class="num">${sigmoid(z[i]).toFixed(4)}</td></tr>`).join("");
    $("points-table").innerHTML = `<table><thead><tr>${head}<th scope="col">y</th><th scope="col">z</th>` +
      `<th scope="col">a = sigmoid(z)</th></tr></thead><tbody>${body}</tbody></table>`;
  }

  function refresh(moveThumbs) {
    syncSliders(moveThumbs !== false);
    drawData();
    drawCost();
    drawSurface();
    drawNumbers();
    // Inside a frame (the documentation site's page), tell the parent how tall to make it.
    if (window.parent !== window) {
      window.parent.postMessage({ oneneuronPlaygroundHeight: document.documentElement.scrollHeight }, "*");
    }
  }

  // ------------------------------------------------------------------ events
  function init() {
    const sel = $("dataset");
    for (const d of DATA.datasets) {
      const o = document.createElement("option");
      o.value = d.key; o.textContent = d.title;
      sel.append(o);
    }
    sel.addEventListener("change", () => loadDataset(sel.value));
    $("step").addEventListener("click", () => runSteps(1));
    $("run").addEventListener("click", () => {
      const k = Math.floor(Number($("n-steps").value));
      if (!(k >= 1 && k <= 100000)) { setMessage("steps per run must be a whole number from 1 to 100000", true); return; }
      runSteps(k);
    });
    $("play").addEventListener("click", () => { if (playTimer) stopPlay(); else startPlay(); });
    $("newton").addEventListener("click", newtonOnce);
    $("fit").addEventListener("click", fitExactly);
    $("reset").addEventListener("click", () => { resetLearner(); refresh(); });
    $("lambda").addEventListener("input", () => {
      S.lambdaIndex = Number($("lambda").value);
      resetLearner();
      refresh(false);
    });
    $("add").addEventListener("click", () => {
      const x = [Number($("add-x1").value), Number($("add-x2").value)];
      if (!x.slice(0, S.w.length).every(Number.isFinite)) { setMessage("type numbers for the new point", true); return; }
      addPoint(x, clickClass());
    });
    $("clear").addEventListener("click", clearAdded);
    $("points-details").addEventListener("toggle", () => { if ($("points-details").open) drawPointsTable(); });
    const canvas = $("data-plot");
    let drag = null;
    canvas.addEventListener("pointerdown", (ev) => {
      if (!dataFrame || S.ds.kind !== "linear") return;
      const rect = canvas.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
      drag = { px, py, moving: nearBoundary(px, py) };
      if (drag.moving) canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener("pointermove", (ev) => {
      const rect = canvas.getBoundingClientRect();
      if (!drag || !drag.moving) { describePointAt(ev.clientX - rect.left, ev.clientY - rect.top); return; }
      moveBoundaryTo(dataFrame.ix(ev.clientX - rect.left), dataFrame.iy(ev.clientY - rect.top));
    });
    // a click on the loss surface moves the learner there (the two parameters it shows)
    $("surface-plot").addEventListener("click", (ev) => {
      const sp = surfaceParams();
      if (!sp || !surfaceFrame) return;
      const rect = $("surface-plot").getBoundingClientRect(), f = surfaceFrame;
      const px = ev.clientX - rect.left, py = ev.clientY - rect.top;
      if (px < f.L || px > f.R || py < f.T || py > f.B) return;
      const u = f.ix(px), v = f.iy(py);
      if (S.ds.fit_intercept) { S.w = [u]; S.b = v; } else { S.w = [u, v]; }
      S.path.push(params());
      setMessage("moved to the clicked point of the loss surface");
      refresh();
    });
    canvas.addEventListener("pointerup", (ev) => {
      if (!drag) return;
      const rect = canvas.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
      const f = dataFrame, was = drag;
      drag = null;
      if (was.moving) { S.path.push(params()); refresh(); return; }
      if (Math.hypot(px - was.px, py - was.py) > 5 || px < f.L || px > f.R || py < f.T || py > f.B) return;
      const cls = clickClass();
      addPoint(S.ds.features.length === 1 ? [f.ix(px)] : [f.ix(px), f.iy(py)], cls);
    });
    window.addEventListener("resize", () => { S.surface = null; refresh(); });
    loadDataset(DATA.datasets[0].key);
  }
  // The tooltip of the data plot: the point under the pointer with its z and a = sigmoid(z).
  function describePointAt(px, py) {
    const f = dataFrame, canvas = $("data-plot");
    if (!f) return;
    const oneD = S.ds.features.length === 1;
    let best = -1, bestD = 8;
    S.X.forEach((x, i) => {
      const d = Math.hypot(f.px(x[0]) - px, f.py(oneD ? S.y[i] + jitter(i) : x[1]) - py);
      if (d < bestD) { best = i; bestD = d; }
    });
    if (best < 0) { canvas.title = ""; return; }
    const z = logits([design()[best]], S.w, S.b)[0];
    canvas.title = `x = (${S.X[best].map((v) => fmt(v, 3)).join(", ")}), y = ${S.y[best]}, `
      + `z = ${fmt(z, 4)}, a = sigmoid(z) = ${sigmoid(z).toFixed(4)}`;
  }
  function clickClass() { return Number(document.querySelector("input[name=click-class]:checked").value); }
  function nearBoundary(px, py) {
    const f = dataFrame;
    if (S.ds.features.length === 1) return S.w[0] !== 0 && Math.abs(px - f.px(-S.b / S.w[0])) < 10;
    const seg = boundarySegment(S.w, S.b, f.xr, f.yr);
    if (!seg) return false;
    const ax = f.px(seg[0][0]), ay = f.py(seg[0][1]), bx = f.px(seg[1][0]), by = f.py(seg[1][1]);
    const L2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / L2));
    return Math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)) < 10;
  }
  // Dragging keeps w and moves b (the line moves parallel); without a bias the
  // line must pass through the origin, so it turns instead (|w| kept).
  function moveBoundaryTo(x, y) {
    if (S.ds.features.length === 1) { S.b = -S.w[0] * x; }
    else if (S.ds.fit_intercept) { S.b = -(S.w[0] * x + S.w[1] * y); }
    else {
      const r = Math.hypot(x, y), norm = Math.hypot(S.w[0], S.w[1]);
      if (r === 0 || norm === 0) return;
      let n = [-y / r, x / r];
      if (n[0] * S.w[0] + n[1] * S.w[1] < 0) n = [-n[0], -n[1]];
      S.w = [norm * n[0], norm * n[1]];
    }
    refresh();
  }

  // For the tests and the curious: the page's arithmetic and state.
  window.oneneuronPlayground = {
    math: { sigmoid, logits, cost, gradient, gdStep, newtonStep, newtonFit, polyFeatures, mean },
    state: () => ({ key: S.ds.key, w: S.w.slice(), b: S.b, steps: S.steps, history: S.history.slice(),
      cost: S.y.length ? cost(design(), S.y, S.w, S.b) : null, exact: S.showExact ? S.exact : null,
      n: S.y.length, X: S.X.map((r) => r.slice()), y: S.y.slice(), lambdaIndex: S.lambdaIndex,
      message: $("message").textContent,
      surface: S.surface ? { gx: S.surface.gx.slice(), gy: S.surface.gy.slice(), vals: S.surface.vals.map((r) => r.slice()) } : null }),
    data: DATA,
  };
  init();
})();

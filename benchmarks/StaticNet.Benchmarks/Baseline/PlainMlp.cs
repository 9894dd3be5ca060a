using System;

namespace StaticNet.Benchmarks.Baseline;

/// <summary>
/// The multilayer perceptron a C# developer writes without StaticNet: an array of layers, loops
/// over layers and neurons, scalar math, Adam. It is the baseline every benchmark compares with;
/// it is written plainly but not carelessly (no allocation per sample, row-major weights,
/// the same fused sigmoid/softmax cross-entropy gradient).
/// </summary>
public sealed class PlainMlp
{
    public enum Act { Relu, Sigmoid, Softmax }

    private readonly int[] _sizes;
    private readonly Act[] _acts;
    private readonly float[][] _w, _b, _gw, _gb, _mw, _vw, _mb, _vb;
    private readonly float[][] _a;     // activations per layer for one sample (index 0 = input)
    private readonly float[][] _delta; // dLoss/dz per layer for one sample
    private int _step;

    public PlainMlp(int[] sizes, Act[] acts, int seed)
    {
        _sizes = sizes;
        _acts = acts;
        int layers = sizes.Length - 1;
        _w = new float[layers][]; _b = new float[layers][]; _gw = new float[layers][]; _gb = new float[layers][];
        _mw = new float[layers][]; _vw = new float[layers][]; _mb = new float[layers][]; _vb = new float[layers][];
        _a = new float[layers + 1][];
        _delta = new float[layers][];
        var rng = new Random(seed);
        _a[0] = new float[sizes[0]];
        for (int l = 0; l < layers; l++)
        {
            int nIn = sizes[l], nOut = sizes[l + 1];
            float limit = MathF.Sqrt(6f / (nIn + nOut));
            _w[l] = new float[nOut * nIn];
            for (int i = 0; i < _w[l].Length; i++) _w[l][i] = (float)(rng.NextDouble() * 2 - 1) * limit;
            _b[l] = new float[nOut];
            _gw[l] = new float[nOut * nIn]; _gb[l] = new float[nOut];
            _mw[l] = new float[nOut * nIn]; _vw[l] = new float[nOut * nIn];
            _mb[l] = new float[nOut]; _vb[l] = new float[nOut];
            _a[l + 1] = new float[nOut];
            _delta[l] = new float[nOut];
        }
    }

    public int OutputSize => _sizes[^1];

    /// <summary>Forward pass of one sample; the result is in the returned (reused) array.</summary>
    public float[] Forward(ReadOnlySpan<float> input)
    {
        input.CopyTo(_a[0]);
        for (int l = 0; l < _w.Length; l++)
        {
            float[] x = _a[l], y = _a[l + 1], w = _w[l], b = _b[l];
            int nIn = x.Length;
            for (int j = 0; j < y.Length; j++)
            {
                float sum = b[j];
                for (int k = 0; k < nIn; k++) sum += w[j * nIn + k] * x[k];
                y[j] = sum;
            }
            switch (_acts[l])
            {
                case Act.Relu:
                    for (int j = 0; j < y.Length; j++) y[j] = MathF.Max(0, y[j]);
                    break;
                case Act.Sigmoid:
                    for (int j = 0; j < y.Length; j++) y[j] = 1f / (1f + MathF.Exp(-y[j]));
                    break;
                case Act.Softmax:
                    float max = float.MinValue, total = 0;
                    for (int j = 0; j < y.Length; j++) max = MathF.Max(max, y[j]);
                    for (int j = 0; j < y.Length; j++) { y[j] = MathF.Exp(y[j] - max); total += y[j]; }
                    for (int j = 0; j < y.Length; j++) y[j] /= total;
                    break;
            }
        }
        return _a[^1];
    }

    /// <summary>One epoch of mini-batch Adam over the samples in order; labels are 0/1 (one output) or class indices.</summary>
    public void TrainEpoch(float[] x, int[] labels, int samples, int batchSize, float learningRate = 0.001f)
    {
        int nIn = _sizes[0];
        for (int start = 0; start < samples; start += batchSize)
        {
            int count = Math.Min(batchSize, samples - start);
            for (int l = 0; l < _w.Length; l++) { Array.Clear(_gw[l]); Array.Clear(_gb[l]); }
            for (int s = start; s < start + count; s++)
            {
                float[] p = Forward(x.AsSpan(s * nIn, nIn));
                // Fused gradient of sigmoid + binary cross-entropy and softmax + cross-entropy: p - y.
                float[] top = _delta[^1];
                for (int j = 0; j < p.Length; j++)
                    top[j] = (p[j] - (p.Length == 1 ? labels[s] : (j == labels[s] ? 1f : 0f))) / count;
                for (int l = _w.Length - 1; l >= 0; l--)
                {
                    float[] d = _delta[l], input = _a[l], w = _w[l], gw = _gw[l], gb = _gb[l];
                    int fanIn = input.Length;
                    for (int j = 0; j < d.Length; j++)
                    {
                        gb[j] += d[j];
                        for (int k = 0; k < fanIn; k++) gw[j * fanIn + k] += d[j] * input[k];
                    }
                    if (l == 0) break;
                    float[] below = _delta[l - 1];
                    for (int k = 0; k < fanIn; k++)
                    {
                        float sum = 0;
                        for (int j = 0; j < d.Length; j++) sum += d[j] * w[j * fanIn + k];
                        float a = input[k];
                        below[k] = _acts[l - 1] == Act.Sigmoid ? sum * a * (1 - a) : (a > 0 ? sum : 0);
                    }
                }
            }
            _step++;
            float alpha = learningRate * MathF.Sqrt(1 - MathF.Pow(0.999f, _step)) / (1 - MathF.Pow(0.9f, _step));
            for (int l = 0; l < _w.Length; l++)
            {
                Adam(_w[l], _gw[l], _mw[l], _vw[l], alpha);
                Adam(_b[l], _gb[l], _mb[l], _vb[l], alpha);
            }
        }
    }

    private static void Adam(float[] w, float[] g, float[] m, float[] v, float alpha)
    {
        for (int i = 0; i < w.Length; i++)
        {
            m[i] += (g[i] - m[i]) * 0.1f;
            v[i] += (g[i] * g[i] - v[i]) * 0.001f;
            w[i] -= alpha * m[i] / (MathF.Sqrt(v[i]) + 1e-7f);
        }
    }
}

using System;
using StaticNet.Kernels;

namespace StaticNet.Quantization;

/// <summary>
/// One dense layer of an <see cref="Int8Network"/>: int8 weights with one scale per output unit,
/// float32 biases, and the calibrated scale and zero point of its input bytes.
/// </summary>
/// <remarks>
/// <para>Weights: w ≈ ŵ = s_w[j] · q[j, i] with q in [−127, 127] and s_w[j] = max_i |w[j, i]| / 127
/// (symmetric, per output channel, as TFLite and PyTorch quantize weights), so |w − ŵ| ≤ s_w[j] / 2.</para>
/// <para>Inputs: x ≈ x̂ = s_x · (q − z) with q in [0, 255] (asymmetric, TFLite's activation scheme),
/// where [s_x · (0 − z), s_x · (255 − z)] is the calibrated range (it always contains 0). Inside that
/// range |x − x̂| ≤ s_x / 2; outside it the byte saturates and the error grows by the distance to it.</para>
/// <para>Pre-activation: ẑ[j] = s_w[j] · s_x · Σᵢ q[j, i] · (q_x[i] − z) + b[j], the sum in exact
/// int32 arithmetic. Since ŵx̂ − wx = (ŵ − w)x̂ + w(x̂ − x),
/// |ẑ[j] − z[j]| ≤ (s_w[j] / 2) · Σᵢ |x̂[i]| + (s_x / 2) · Σᵢ |w[j, i]| for inputs in the calibrated
/// range, plus float32 rounding of the final scaling (a few units in the last place of ẑ).
/// <see cref="PreActivationErrorBound"/> computes this bound for a given input.</para>
/// </remarks>
public sealed class QuantizedDenseLayer
{
    private readonly sbyte[] _weights;       // row-major [units x inputs], for inspection and bounds
    private readonly float[] _weightScales;
    private readonly float[] _bias;
    internal readonly ArraySegment<sbyte> Packed;   // Int8Dense's tiled layout, 64-byte aligned
    internal readonly int[] Compensation;    // z · Σᵢ q[j, i]: the zero point's share of each sum
    internal readonly float[] OutputScales;  // s_w[j] · s_x
    internal readonly float InverseInputScale;

    internal QuantizedDenseLayer(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int inputs, int units, Activation activation, float inputMin, float inputMax)
    {
        Inputs = inputs;
        Units = units;
        Activation = activation;

        // The input range always contains 0 (so zero, ReLU's and padding's value, is exact).
        float lo = Math.Min(inputMin, 0f), hi = Math.Max(inputMax, 0f);
        float scale = (hi - lo) / 255f;
        if (!(scale > 0) || !float.IsFinite(scale)) scale = 1f;
        InputScale = scale;
        InputZeroPoint = (int)Math.Clamp(MathF.Round(-lo / scale), 0f, 255f);
        InverseInputScale = 1f / scale;

        _weights = new sbyte[units * inputs];
        _weightScales = new float[units];
        _bias = bias.Slice(0, units).ToArray();
        Compensation = new int[Int8Dense.PaddedOutputs(units)];
        OutputScales = new float[Int8Dense.PaddedOutputs(units)];
        for (int j = 0; j < units; j++)
        {
            ReadOnlySpan<float> row = weights.Slice(j * inputs, inputs);
            float max = 0;
            foreach (float v in row) max = Math.Max(max, Math.Abs(v));
            float s = max > 0 ? max / 127f : 1f;
            _weightScales[j] = s;
            int sum = 0;
            for (int i = 0; i < inputs; i++)
            {
                sbyte q = (sbyte)Math.Clamp(MathF.Round(row[i] / s), -127f, 127f);
                _weights[j * inputs + i] = q;
                sum += q;
            }
            Compensation[j] = InputZeroPoint * sum;
            OutputScales[j] = s * scale;
        }
        Packed = Int8DenseLayer.Aligned(Int8Dense.Pack(_weights, inputs, units));
    }

    /// <summary>
    /// A layer from its stored int8 form (<see cref="Int8Network.Load(string)"/>): the same arithmetic as the
    /// quantizing constructor derives its kernel data with, so a loaded layer computes the same bits.
    /// </summary>
    internal QuantizedDenseLayer(sbyte[] weights, float[] weightScales, float[] bias, int inputs, int units, Activation activation, float inputScale, int inputZeroPoint)
    {
        Inputs = inputs;
        Units = units;
        Activation = activation;
        InputScale = inputScale;
        InputZeroPoint = inputZeroPoint;
        InverseInputScale = 1f / inputScale;
        _weights = weights;
        _weightScales = weightScales;
        _bias = bias;
        Compensation = new int[Int8Dense.PaddedOutputs(units)];
        OutputScales = new float[Int8Dense.PaddedOutputs(units)];
        for (int j = 0; j < units; j++)
        {
            int sum = 0;
            for (int i = 0; i < inputs; i++) sum += weights[j * inputs + i];
            Compensation[j] = inputZeroPoint * sum;
            OutputScales[j] = weightScales[j] * inputScale;
        }
        Packed = Int8DenseLayer.Aligned(Int8Dense.Pack(_weights, inputs, units));
    }

    /// <summary>Inputs of the layer.</summary>
    public int Inputs { get; }

    /// <summary>Output units of the layer.</summary>
    public int Units { get; }

    /// <summary>The activation applied (in float32) to the pre-activations.</summary>
    public Activation Activation { get; }

    /// <summary>s_x: the step between two input byte values.</summary>
    public float InputScale { get; }

    /// <summary>z: the input byte that stands for 0.</summary>
    public int InputZeroPoint { get; }

    /// <summary>The smallest input the bytes represent, s_x · (0 − z); smaller inputs saturate to it.</summary>
    public float InputMin => InputScale * (0 - InputZeroPoint);

    /// <summary>The largest input the bytes represent, s_x · (255 − z); larger inputs saturate to it.</summary>
    public float InputMax => InputScale * (255 - InputZeroPoint);

    /// <summary>s_w[j] for each output unit: the weights of unit j are s_w[j] · q[j, i].</summary>
    public ReadOnlySpan<float> WeightScales => _weightScales;

    /// <summary>The float32 biases.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    /// <summary>The int8 weights, row-major [units x inputs] (PyTorch's Linear.weight order).</summary>
    public ReadOnlySpan<sbyte> QuantizedWeights => _weights;

    /// <summary>The bytes of the int8 weights (what the kernel streams per sample; padding not counted).</summary>
    public int WeightBytes => _weights.Length;

    /// <summary>
    /// The documented bound on |ẑ[j] − z[j]| for one input <paramref name="input"/> of this layer,
    /// where z = W x + b in exact arithmetic with the float32 weights and ẑ is what the int8 layer
    /// computes: (s_w[j] / 2) · Σᵢ |x̂[i]| + Σᵢ |w[j, i]| · (s_x / 2 · (1 + 2⁻¹²) + dᵢ) + 2⁻²⁰ · (Σᵢ |w[j, i] · x[i]| + |b[j]|),
    /// where dᵢ is how far x[i] lies outside the calibrated range (0 inside it); the factor
    /// 1 + 2⁻¹² and the last term cover float32 rounding (of x / s_x and of the final scaling). <paramref name="weights"/> are the layer's float32 weights,
    /// row-major [units x inputs] (the ones quantized).
    /// </summary>
    public void PreActivationErrorBound(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, Span<float> bound)
    {
        if (weights.Length != Units * Inputs) throw new ArgumentException($"Expected {Units * Inputs} weights; got {weights.Length}.", nameof(weights));
        if (input.Length != Inputs) throw new ArgumentException($"Expected {Inputs} inputs; got {input.Length}.", nameof(input));
        if (bound.Length != Units) throw new ArgumentException($"Expected room for {Units} bounds; got {bound.Length}.", nameof(bound));
        Span<byte> q = Inputs <= 4096 ? stackalloc byte[Inputs] : new byte[Inputs];
        ActivationQuantizer.Quantize(input, InverseInputScale, InputZeroPoint, q);
        for (int j = 0; j < Units; j++)
        {
            double sumXHat = 0, sumW = 0, sumWx = 0;
            for (int i = 0; i < Inputs; i++)
            {
                double xHat = (double)InputScale * (q[i] - InputZeroPoint);
                double w = weights[j * Inputs + i];
                double outside = Math.Max(0, Math.Max(InputMin - input[i], input[i] - InputMax));
                sumXHat += Math.Abs(xHat);
                sumW += Math.Abs(w) * (InputScale / 2.0 * (1 + Math.Pow(2, -12)) + outside);
                sumWx += Math.Abs(w * input[i]);
            }
            bound[j] = (float)(_weightScales[j] / 2.0 * sumXHat + sumW + Math.Pow(2, -20) * (sumWx + Math.Abs(_bias[j])));
        }
    }
}

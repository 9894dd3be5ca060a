using System;
using System.Threading;
using StaticNet.Kernels;

namespace StaticNet;

// One-sample prediction from a packed copy of the parameters: the Dense layers large enough to stream from L2 are stored
// eight rows at a time (Kernels/Dense/PackedRows.cs), which the one-sample kernel reads as one stream instead of eight
// (784-128-64-10, an input with no zeros: the first layer 2.8-3.0 us against 3.9-4.0 us on the EPYC host), and a Dense
// first layer is also kept transposed, so that a mostly-zero input (an image) adds the rows of its non-zero inputs only
// (Kernels/Dense/SparseInputs.cs; a test digit 1.4 against 2.4 us). The copy is
// made after PackAfterCalls predictions at the same weights and used while they stay the same: every write the model
// makes to its parameters (a training step, Load, Safetensors.Load, EarlyStopping's restore, a generated constructor)
// counts as a new version. Writes through the public Parameters span cannot be seen, so once it has been handed out the
// model predicts from its parameters themselves for good (the same bits either way; the copy is only faster).
public abstract partial class NeuralNetwork
{
    /// <summary>One-sample predictions at the same weights after which the packed copy is made (it costs about as much as 10-30 such calls).</summary>
    internal const int PackAfterCalls = 32;

    // Bumped by every write the model makes to its parameters (ParametersChanged).
    private long _parametersVersion;
    // Parameters handed out as a writable span: writes through it cannot be seen, so the packed copy is never used again.
    private volatile bool _parametersExposed;
    // The packed copy and the version it was made from, published whole (predictions run on many threads).
    private PackedCopy? _packed;
    private long _unpackedVersion;
    private int _unpackedCalls;
    private readonly object _packLock = new();
    private int _packableLayers = -1;   // layers the copy holds in another layout (-1: not counted yet)

    private sealed class PackedCopy(AlignedBuffer parameters, AlignedBuffer transposed, long version)
    {
        public readonly AlignedBuffer Parameters = parameters;
        public readonly AlignedBuffer Transposed = transposed;   // the first layer in SparseInputs' layout, or empty
        public readonly long Version = version;
    }

    /// <summary>Packed copies made so far (tests check when the copy is made and used).</summary>
    internal int PackedCopies { get; private set; }

    /// <summary>Whether one-sample prediction now reads the packed copy (tests).</summary>
    internal bool PredictsPacked => _packed is { } packed && packed.Version == Interlocked.Read(ref _parametersVersion) && !_parametersExposed;

    /// <summary>Marks the parameters as written by the model itself: a packed copy made before is not used again.</summary>
    private void ParametersChanged() => Interlocked.Increment(ref _parametersVersion);

    /// <summary>The parameters for a write the model (or its callbacks, loaders and savers) makes now: the packed copy is retired.</summary>
    internal Span<float> WritableParameters
    {
        get
        {
            Span<float> parameters = DocumentedParameters;
            ParametersChanged();
            return parameters;
        }
    }

    /// <summary>The parameters for reading, in their documented layout, without handing out a writable span.</summary>
    internal ReadOnlySpan<float> ReadableParameters => DocumentedParameters;

    /// <summary>
    /// The parameters as a derived class's constructor sets them (the generated constructors of a class with weights baked
    /// in copy them here). Write them in the constructor: like every write the model makes, it retires the packed copy
    /// that one-sample prediction reads, and a write after the next prediction through a span kept from here would not.
    /// </summary>
    protected Span<float> InitialParameters => WritableParameters;

    /// <summary>
    /// The parameters the generated one-sample <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> reads, in the
    /// documented layout, with the copies it may read instead (empty when there are none at these weights): in
    /// <paramref name="packed"/> the parameters with the large Dense layers' weights stored for <c>Dense.Forward</c>'s
    /// one-sample kernel (pass it to each <c>Dense.Forward</c> call with the layer's weight offset), and in
    /// <paramref name="firstLayerTransposed"/> a first Dense layer's weights transposed, for inputs that are mostly
    /// zeros (pass it to that layer's call). The same results either way.
    /// </summary>
    protected ReadOnlySpan<float> PredictionParameters(out ReadOnlySpan<float> packed, out ReadOnlySpan<float> firstLayerTransposed)
    {
        ReadOnlySpan<float> parameters = DocumentedParameters;
        packed = firstLayerTransposed = default;
        if (_parametersExposed || !HasPackableLayers) return parameters;
        long version = Interlocked.Read(ref _parametersVersion);
        PackedCopy? copy = Volatile.Read(ref _packed);
        if (copy is null || copy.Version != version)
        {
            // Count the calls at this version (a race between threads only delays the copy), and make the copy once
            // they have cost about what making it costs.
            if (_unpackedVersion != version)
            {
                _unpackedVersion = version;
                _unpackedCalls = 0;
            }
            if (++_unpackedCalls < PackAfterCalls || (copy = Pack(version)) is null) return parameters;
        }
        packed = copy.Parameters;
        firstLayerTransposed = copy.Transposed;
        return parameters;
    }

    private bool HasPackableLayers
    {
        get
        {
            if (_packableLayers < 0)
            {
                int count = TransposesFirstLayer ? 1 : 0;
                foreach (LayerInfo layer in NetworkShape.Layers)
                    if (Packs(layer)) count++;
                _packableLayers = count;
            }
            return _packableLayers > 0;
        }
    }

    /// <summary>Whether the copy holds the first layer transposed: a Dense first layer <see cref="SparseInputs.AppliesToOneSample"/> takes.</summary>
    private bool TransposesFirstLayer
    {
        get
        {
            LayerInfo first = NetworkShape.Layers[0];
            return first.Kind == LayerKind.Dense && SparseInputs.AppliesToOneSample(NetworkShape.InputSize, first.Units);
        }
    }

    private static bool Packs(LayerInfo layer) =>
        layer.Kind == LayerKind.Dense && layer.Units > 0 && PackedRows.Applies(layer.WeightCount / layer.Units, layer.Units);

    /// <summary>Makes the packed copy of the parameters at <paramref name="version"/> (in the last copy's memory) and publishes it.</summary>
    private PackedCopy? Pack(long version)
    {
        lock (_packLock)
        {
            PackedCopy? current = Volatile.Read(ref _packed);
            if (current is not null && current.Version == version) return current;
            // The last copy is of older weights, so no prediction reads it any more (one that still did would run while
            // the model wrote its parameters, which is not thread-safe either): its memory is reused.
            AlignedBuffer buffer = current is not null ? current.Parameters : new AlignedBuffer(NetworkShape.ParameterCount);
            // Only the packed layers' regions are written: Dense.Forward reads nothing else of the copy.
            ReadOnlySpan<float> source = DocumentedParameters;
            foreach (LayerInfo layer in NetworkShape.Layers)
                if (Packs(layer))
                    PackedRows.Pack(source.Slice(layer.ParameterOffset, layer.WeightCount), layer.WeightCount / layer.Units, layer.Units,
                        buffer.AsSpan(layer.ParameterOffset, layer.WeightCount));
            AlignedBuffer transposed = current is not null ? current.Transposed : default;
            if (TransposesFirstLayer)
            {
                int inputs = NetworkShape.InputSize, units = NetworkShape.Layers[0].Units;
                if (transposed.Length == 0) transposed = new AlignedBuffer(SparseInputs.TransposedLength(inputs, units));
                SparseInputs.Transpose(source.Slice(NetworkShape.Layers[0].ParameterOffset, inputs * units), inputs, units, transposed);
            }
            // A write while packing (training is not thread-safe, but a reader should never see a mixed copy) leaves it unpublished.
            if (Interlocked.Read(ref _parametersVersion) != version || _parametersExposed) return null;
            var packed = new PackedCopy(buffer, transposed, version);
            Volatile.Write(ref _packed, packed);
            PackedCopies++;
            return packed;
        }
    }
}

using Microsoft.CodeAnalysis;

namespace StaticNet.Generator;

/// <summary>Every diagnostic the generator reports, in one table. IDs are stable: never reuse one.</summary>
internal static class Diagnostics
{
    private const string Category = "StaticNet";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotPartial = Error("SN0001",
        "Network class must be partial",
        "The class '{0}' has [Network] but is not declared partial; add the partial modifier so that StaticNet can generate its code");

    public static readonly DiagnosticDescriptor TooFewSizes = Error("SN0002",
        "Network needs at least two layer sizes",
        "[Network] needs at least two layer sizes (the input size and the output size); got {0}");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error("SN0003",
        "Layer size must be positive",
        "Layer size {0} of [Network] is {1}; every size must be at least 1");

    public static readonly DiagnosticDescriptor WrongActivationCount = Error("SN0004",
        "Wrong number of activations",
        "Activations has {1} entries but the network has {0} dense layers; give one activation per layer after the input");

    public static readonly DiagnosticDescriptor SoftmaxOnHiddenLayer = Error("SN0005",
        "Softmax on a hidden layer",
        "Layer {0} is a hidden layer and cannot use Softmax; Softmax is supported on the output layer only");

    public static readonly DiagnosticDescriptor SoftmaxOnSingleOutput = Error("SN0006",
        "Softmax on a one-unit output",
        "Softmax over a single output unit always gives 1; use Activation.Sigmoid for a binary output");

    public static readonly DiagnosticDescriptor GenericType = Error("SN0007",
        "Network class cannot be generic or nested in a generic type",
        "'{0}' is generic; [Network] classes and the types that contain them cannot have type parameters");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("SN0008",
        "Containing type must be partial",
        "The type '{0}' contains the [Network] class '{1}' but is not declared partial; add the partial modifier to it");

    public static readonly DiagnosticDescriptor NameClash = Error("SN0009",
        "Member name clashes with generated code",
        "'{0}' declares {1}, which StaticNet generates for [Network] classes; rename or remove it");

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = Error("SN0010",
        "Unsupported kind of network class",
        "'{0}' cannot be a [Network] class: {1}");

    public static readonly DiagnosticDescriptor ConflictingSettings = Error("SN0011",
        "Conflicting settings",
        "{0} sets every layer and cannot be combined with {1}; use one or the other");

    public static readonly DiagnosticDescriptor InvalidLeakySlope = Error("SN0012",
        "Invalid leaky ReLU slope",
        "LeakyReluSlope must be a finite number of at least 0; got {0}");

    public static readonly DiagnosticDescriptor UndefinedActivation = Error("SN0013",
        "Undefined activation",
        "{0} is {1}, which is not a member of StaticNet.Activation");

    public static readonly DiagnosticDescriptor InvalidRate = Error("SN0015",
        "Invalid dropout rate or L2 factor",
        "{0} is {1}; {2}");

    public static readonly DiagnosticDescriptor WrongPerLayerCount = Error("SN0016",
        "Wrong number of per-layer values",
        "{0} has {1} entries but the network has {2} {3}; give one per {4}");

    public static readonly DiagnosticDescriptor WeightsFileMissing = Error("SN0017",
        "Weights file not found",
        "Weights names '{0}', but no AdditionalFiles item has that name (additional .safetensors files: {1}); add <AdditionalFiles Include=\"{0}\" /> to the project");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error("SN0018",
        "Weights file cannot be read",
        "The weights file '{0}' is not a valid safetensors file: {1}");

    public static readonly DiagnosticDescriptor WeightsShapeMismatch = Error("SN0019",
        "Weights do not fit the network",
        "The weights file '{0}' does not fit this network: {1}");

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = Error("SN0020",
        "C# 11 or later needed",
        "StaticNet's generated code needs C# 11 or later (static abstract interface members), but this project uses {0}; set <LangVersion>11</LangVersion> or later in the project file, or remove <LangVersion> (projects for .NET 8 and later default to C# 12)");

    public static readonly DiagnosticDescriptor DuplicateNetworkAttribute = Error("SN0021",
        "[Network] on more than one declaration",
        "'{0}' already has [Network] at {1}; a class has one [Network], on one of its partial declarations: remove this one");

    public static readonly DiagnosticDescriptor HiddenName = Error("SN0022",
        "Name in [Network] hidden by a member of the network",
        "'{0}' in the arguments of [Network] names {1} inside the class, not what it names outside (CS0120); qualify it: {2}");

    public static readonly DiagnosticDescriptor GeneratorFailed = Error("SN0023",
        "StaticNet could not generate a network",
        "StaticNet failed to generate the code of '{0}': {1}; the other networks are not affected. Please report this as a StaticNet bug.");

    public static readonly DiagnosticDescriptor TooManyParameters = Error("SN0014",
        "Network too large",
        "The network has {0} parameters; at most {1} fit in one buffer");

    public static readonly DiagnosticDescriptor BakedWeightsTooLarge = Error("SN0024",
        "Too many baked weights in one assembly",
        "The networks that bake in weights in this assembly ({1} bytes) need {0} bytes of string literals, more than {2} (4,000,000 float32 parameters, or about 16,000,000 int8 weights): baked weights are string literals in the assembly's user-string heap, where no string may start past the first 16 MiB (the compiler would fail with CS8103). Bake some of them into another assembly, or load their weights at run time with Safetensors.Load.");

    public static readonly DiagnosticDescriptor LayerDoesNotFit = Error("SN0025",
        "Layer does not fit its input",
        "Layer {0} ({1}) cannot take its input: {2}. Shapes so far: {3}.");

    public static readonly DiagnosticDescriptor LayerOutsideSequential = Error("SN0026",
        "Misplaced layer attribute",
        "'{0}' {1}");

    public static readonly DiagnosticDescriptor InvalidLayerSetting = Error("SN0027",
        "Invalid layer setting",
        "{0}: {1}");

    public static readonly DiagnosticDescriptor SequentialOutput = Error("SN0028",
        "[Sequential] network needs a Dense output layer",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidPrecision = Error("SN0030",
        "Invalid precision setting",
        "{0}");

    public static readonly DiagnosticDescriptor Int8LayerNotSupported = Error("SN0031",
        "Layer too wide for int8 precision",
        "Precision = Precision.Int8 supports at most " + StaticNet.Generator.Model.Int8Layout.MaxInputs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) +
        " inputs per output (a Dense layer's inputs, a convolution's window values), beyond which int32 sums could overflow; {0}");

    public static readonly DiagnosticDescriptor NotInt8File = Error("SN0032",
        "Weights file is not an int8 network file",
        "Precision = Precision.Int8 needs a file written by Int8Network.Save, but '{0}' {1}");

    public static readonly DiagnosticDescriptor Int8WeightsMismatch = Error("SN0033",
        "Int8 weights do not fit the network",
        "The int8 weights file '{0}' does not fit this network: {1}");

    // SN0029 ("Baked weights not supported for this network") is retired: every [Sequential] network bakes its
    // weights now. It was never in a shipped release (AnalyzerReleases.Unshipped.md notes it); never reuse the id.
}

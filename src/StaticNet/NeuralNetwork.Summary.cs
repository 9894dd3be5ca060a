using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StaticNet;

// Keras's model.summary().
public abstract partial class NeuralNetwork
{
    /// <summary>
    /// Keras's <c>model.summary()</c>: a table of the layers (name and type, output shape,
    /// activation, parameters) and the total, trainable and non-trainable parameter counts with
    /// their size as float32, written to <see cref="ProgressOutput"/> (the console when null) and returned.
    /// </summary>
    /// <param name="print">False to only return the text.</param>
    /// <example>
    /// <code>
    /// Model: "DigitNet"
    /// ___________________________________________________
    ///  Layer (type)     Output NetworkShape  Activation  Param #
    /// ===================================================
    ///  dense (Dense)    (None, 25)    sigmoid      19,625
    ///  dense_1 (Dense)  (None, 15)    sigmoid         390
    ///  dense_2 (Dense)  (None, 1)     sigmoid          16
    /// ===================================================
    /// Total params: 20,031 (78.25 KB)
    /// Trainable params: 20,031 (78.25 KB)
    /// Non-trainable params: 0 (0.00 B)
    /// ___________________________________________________
    /// </code>
    /// </example>
    public string Summary(bool print = true)
    {
        string text = SummaryText();
        if (print) (ProgressOutput ?? Console.Out).Write(text);
        return text;
    }

    private string SummaryText()
    {
        NetworkShape shape = NetworkShape;
        var rows = new List<string[]> { new[] { "Layer (type)", "Output Shape", "Activation", "Param #" } };
        long nonTrainable = 0;
        foreach (LayerInfo layer in shape.Layers)
        {
            // Keras's automatic layer names (dense, dense_1, conv2d, dropout, ...) and its shapes with the batch as None.
            string outputShape = "(None, " + string.Join(", ", layer.OutputShape) + ")";
            string detail = layer.Kind switch
            {
                LayerKind.Dense or LayerKind.Conv2D or LayerKind.Conv1D => layer.Activation.ToString().ToLowerInvariant(),
                LayerKind.Dropout => $"rate {layer.Rate.ToString(CultureInfo.InvariantCulture)}",
                _ => "",
            };
            if (layer.L2 > 0) detail += $", L2 {layer.L2.ToString(CultureInfo.InvariantCulture)}";
            nonTrainable += layer.StateCount;
            rows.Add(new[] { $"{layer.Name} ({layer.Kind})", outputShape, detail, layer.ParameterCount.ToString("N0", CultureInfo.InvariantCulture) });
        }

        var widths = new int[4];
        foreach (string[] row in rows)
            for (int c = 0; c < 4; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        int lineLength = 1 + widths[0] + 2 + widths[1] + 2 + widths[2] + 2 + widths[3];

        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(GetType().Name).Append('"').AppendLine();
        sb.Append('_', lineLength).AppendLine();
        AppendRow(sb, rows[0], widths);
        sb.Append('=', lineLength).AppendLine();
        for (int r = 1; r < rows.Count; r++) AppendRow(sb, rows[r], widths);
        sb.Append('=', lineLength).AppendLine();
        long total = shape.ParameterCount;
        sb.Append("Total params: ").Append(Count(total)).AppendLine();
        sb.Append("Trainable params: ").Append(Count(total - nonTrainable)).AppendLine();
        sb.Append("Non-trainable params: ").Append(Count(nonTrainable)).AppendLine();
        sb.Append('_', lineLength).AppendLine();
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] row, int[] widths)
    {
        sb.Append(' ').Append(row[0].PadRight(widths[0])).Append("  ")
          .Append(row[1].PadRight(widths[1])).Append("  ")
          .Append(row[2].PadRight(widths[2])).Append("  ")
          .Append(row[3].PadLeft(widths[3]));
        sb.Append(Environment.NewLine);
    }

    /// <summary>A parameter count with Keras 3's memory size: <c>20,031 (78.25 KB)</c> (4 bytes a parameter, 1024 per unit).</summary>
    private static string Count(long parameters)
    {
        double size = parameters * (double)sizeof(float);
        string[] units = { "B", "KB", "MB", "GB", "TB" };
        int unit = 0;
        while (size >= 1024 && unit < units.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        return $"{parameters.ToString("N0", CultureInfo.InvariantCulture)} ({size.ToString("F2", CultureInfo.InvariantCulture)} {units[unit]})";
    }
}

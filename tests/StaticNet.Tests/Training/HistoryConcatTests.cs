using System;
using Xunit;

namespace StaticNet.Tests.Training;

[Network(3, 6, 2, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class ConcatNet;

public class HistoryConcatTests
{
    [Fact]
    public void Concat_JoinsARunContinuedWithInitialEpoch()
    {
        var x = new float[20, 3];
        var y = new int[20];
        for (int i = 0; i < 20; i++) { x[i, 0] = i % 2; x[i, 1] = i / 20f; x[i, 2] = 1; y[i] = i % 2; }
        var model = new ConcatNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
        History first = model.Fit(x, y, epochs: 2, verbose: 0, validationSplit: 0.25);
        History second = model.Fit(x, y, epochs: 5, initialEpoch: 2, verbose: 0, validationSplit: 0.25);

        History all = first.Concat(second);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, all.Epoch);
        Assert.Equal(first.Keys, all.Keys);
        foreach (string key in all.Keys)
        {
            Assert.Equal(5, all[key].Count);
            Assert.Equal(first[key][1], all[key][1]);
            Assert.Equal(second[key][0], all[key][2]);
        }
        Assert.Throws<ArgumentException>(() => second.Concat(first));
    }
}

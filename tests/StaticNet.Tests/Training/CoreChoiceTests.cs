using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// <see cref="CoreChoice"/>: Fit's running choice between two threads and one, from the steps' times. Fed synthetic
/// times here (no clock): the choice must follow the faster, survive outliers, and follow a host that changes.
/// </summary>
public class CoreChoiceTests
{
    private const int Probe = 2 * CoreChoice.ProbeBlock * CoreChoice.ProbePairs;

    /// <summary>Runs <paramref name="steps"/> steps taking <paramref name="two"/> or <paramref name="one"/> ticks; returns each step's choice.</summary>
    private static List<bool> Run(CoreChoice choice, int steps, Func<int, long> two, Func<int, long> one)
    {
        var chosen = new List<bool>();
        for (int s = 0; s < steps; s++)
        {
            bool onTwo = choice.TwoThreads;
            chosen.Add(onTwo);
            choice.Record(onTwo ? two(s) : one(s));
        }
        return chosen;
    }

    [Fact]
    public void AProbeAlternatesBlocks_ThenTheFasterRuns_ThenItProbesAgain()
    {
        var choice = new CoreChoice();
        List<bool> chosen = Run(choice, Probe + CoreChoice.RunSteps + Probe, _ => 100, _ => 140);
        for (int s = 0; s < Probe; s++) Assert.Equal(s / CoreChoice.ProbeBlock % 2 == 0, chosen[s]);
        Assert.All(chosen.Skip(Probe).Take(CoreChoice.RunSteps), Assert.True);
        Assert.Equal(chosen.Take(Probe), chosen.Skip(Probe + CoreChoice.RunSteps));
        Assert.Equal(2, choice.ChoseTwo);
        Assert.Equal(0, choice.ChoseOne);
    }

    [Fact]
    public void WhenOneThreadIsFaster_TheRunStepsGoToOne()
    {
        var choice = new CoreChoice();
        List<bool> chosen = Run(choice, Probe + CoreChoice.RunSteps, _ => 130, _ => 100);
        Assert.All(chosen.Skip(Probe), Assert.False);
        Assert.Equal((0, 1), (choice.ChoseTwo, choice.ChoseOne));
    }

    [Fact]
    public void OneStallInTheFasterChoice_DoesNotTurnTheChoice()
    {
        // One two-thread step stalled 100x (the host): counted at sixteen medians, two threads still took less in all.
        var choice = new CoreChoice();
        int twoSteps = 0;
        List<bool> chosen = Run(choice, Probe + 10, _ => ++twoSteps == 5 ? 10_000 : 50, _ => 120);
        Assert.True(chosen[^1]);
        Assert.Equal(1, choice.ChoseTwo);
    }

    [Fact]
    public void TwoThreadStepsThatOftenWaitForTheWorker_LoseToOneThread()
    {
        // Another program takes the second core: most two-thread steps are faster, but every twelfth waits thirty steps'
        // time for the worker to be scheduled again. Their median is shorter, their total is not.
        var choice = new CoreChoice();
        int twoSteps = 0;
        List<bool> chosen = Run(choice, Probe + 10, _ => ++twoSteps % 12 == 0 ? 3000 : 80, _ => 120);
        Assert.False(chosen[^1]);
        Assert.Equal(1, choice.ChoseOne);
    }

    [Fact]
    public void AHostThatChanges_IsFollowedAtTheNextProbe()
    {
        var choice = new CoreChoice();
        int cycle = Probe + CoreChoice.RunSteps;
        // Two threads faster in the first cycle, then the other core gets busy and one thread is faster.
        List<bool> chosen = Run(choice, 2 * cycle, s => s < cycle ? 100 : 200, _ => 140);
        Assert.True(chosen[Probe]);
        Assert.False(chosen[cycle + Probe]);
        Assert.False(chosen[^1]);
        Assert.Equal((1, 1), (choice.ChoseTwo, choice.ChoseOne));
    }

    [Fact]
    public void Fit_ChoosesAsItTrains_AndGivesTheBitsOfOneThreadAndOfTwo()
    {
        var rng = new Random(5);
        var x = new float[256, 256];
        var y = new int[256];
        for (int i = 0; i < 256; i++)
        {
            for (int k = 0; k < 256; k++) x[i, k] = (float)rng.NextDouble();
            y[i] = i % 4;
        }
        // 8 steps an epoch, 15 epochs: 120 steps, past the first probe (96 steps) into the first run.
        ParallelNet Train(int threads, bool choose)
        {
            var model = new ParallelNet(seed: 2) { MaxDegreeOfParallelism = threads, CoreChoiceDisabled = !choose };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
            model.Fit(x, y, epochs: 15, batchSize: 32, verbose: 0);
            return model;
        }
        ParallelNet chosen = Train(-1, choose: true), two = Train(-1, choose: false), one = Train(1, choose: true);
        Assert.Equal(one.Parameters.ToArray(), chosen.Parameters.ToArray());
        Assert.Equal(two.Parameters.ToArray(), chosen.Parameters.ToArray());
        Assert.Null(one.CoreChoices);   // one thread allowed: no worker, nothing to choose
        Assert.Null(two.CoreChoices);
        Assert.Equal(0, two.OneThreadSteps);
        if (Environment.ProcessorCount > 1)
        {
            // The probe ran its one-thread blocks, and one probe chose.
            Assert.True(chosen.OneThreadSteps >= Probe / 2, $"{chosen.OneThreadSteps} steps on one thread");
            (int Two, int One) made = chosen.CoreChoices!.Value;
            Assert.Equal(1, made.Two + made.One);
        }
        else
        {
            Assert.Null(chosen.CoreChoices);
        }
    }
}

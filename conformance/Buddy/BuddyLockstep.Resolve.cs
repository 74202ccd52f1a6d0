using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// The buddy lockstep's steps resolved to calls, the calls run on both sides, and the scenarios tracked.
/// </summary>
public sealed partial class BuddyLockstep
{
    private BuddyOp? Resolve(BuddyStep step)
    {
        switch (step)
        {
            case Alloc a:
                return new AllocPages(new Order(a.Order), a.Zone);
            case FreeRaw r:
                return new FreePages(new Pfn(r.Pfn), new Order(r.Order));
            case FreeAgain again when _freed.Count > 0:
                var freed = _freed[_freed.Count - 1 - (again.Handle % _freed.Count)];
                return new FreePages(freed.Pfn, freed.Order);
            case FreeAgain:
                return null;
        }

        if (_live.Count == 0)
        {
            return null;
        }

        return step switch
        {
            Free f => ToFree(_live[f.Handle % _live.Count]),
            FreeLast => ToFree(_live[^1]),
            FreeWrongOrder w => new FreePages(_live[w.Handle % _live.Count].Pfn,
                new Order(_live[w.Handle % _live.Count].Order.Value + w.Delta)),
            FreeInterior i => Interior(_live[i.Handle % _live.Count], i.Offset),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown buddy step"),
        };
    }

    private static FreePages ToFree(Block block) => new(block.Pfn, block.Order);

    private static FreePages Interior(Block block, int offset) =>
        block.Order.Pages == 1
            ? new FreePages(new Pfn(block.Pfn.Value + 1), new Order(0))
            : new FreePages(new Pfn(block.Pfn.Value + 1 + ((ulong)offset % (block.Order.Pages - 1))), new Order(0));

    /// <summary>The call on both sides; its trace text built here, only when wanted (no delegate, no boxing).</summary>
    private (MmError? Error, string? Why) RunAlloc(AllocPages alloc, StepLog log)
    {
        var result = impl.AllocPages(alloc.Order, alloc.HighestZone);
        _lastPfn = result.IsOk ? result.Value : null;
        if (log.Tracing)
        {
            log.Call = $"{alloc} = {result}";
        }

        return (result.Error, model.Adopt(alloc, result));
    }

    /// <summary>
    /// free_pages on both sides. At the exact level the result must be the model's, Linux's error precedence included;
    /// below it a refused free may return any error that applies to it (<see cref="BuddyModel.FreeErrors"/>, asked
    /// only when the two results differ and the model refused too, so that its state is the one before the call).
    /// </summary>
    private (MmError? Error, string? Why) RunFree(FreePages free, StepLog log)
    {
        var result = impl.FreePages(free.Pfn, free.Order);
        var expected = model.FreePages(free.Pfn, free.Order);
        if (log.Tracing)
        {
            log.Call = $"{free} = {result}";
        }

        if (result == expected)
        {
            return (result.Error, null);
        }

        var applicable = expected.IsOk ? [] : model.FreeErrors(free.Pfn, free.Order);
        var permitted = !checks.HasFlag(Level.Exact) && result.Error is { } error && applicable.Contains(error);
        return (result.Error, permitted ? null : $"expected {Expected(expected, applicable)}, got {result}");
    }

    /// <summary>What the model permits: its result, and at the safe and live levels every error that applies.</summary>
    private string Expected(Result<Unit> expected, IReadOnlyList<MmError> applicable) =>
        checks.HasFlag(Level.Exact) || applicable.Count < 2 ? expected.ToString()!
            : $"one of {string.Join(", ", applicable)}";

    private void Track(BuddyStep step, BuddyOp op, MmError? error, BuddySnapshot? touched, StepLog log)
    {
        if (error is not null)
        {
            log.Reached(error is OutOfMemory ? MemoryExhausted : InvalidRejected);
            return;
        }

        switch (op)
        {
            case AllocPages alloc:
                var block = new Block(_lastPfn!.Value, alloc.Order);
                _live.Add(block);
                log.Reached(alloc.Order.Value == Order.Max ? MaxOrderAlloc : "alloc");
                if (!HighestAllowed(alloc.HighestZone).Contains(block.Pfn))
                {
                    log.Reached(ZoneFallback);
                }

                break;
            case FreePages free:
                var index = LiveIndexOf(free.Pfn);
                _lastFreesInARow = step is FreeLast ? _lastFreesInARow + 1 : 0;
                if (_lastFreesInARow >= 3)
                {
                    log.Reached(ReverseFrees);
                }
                else if (step is Free && index < _live.Count - 1)
                {
                    log.Reached(RandomFrees);
                }

                _live.RemoveAt(index);
                _freed.Add(new Block(free.Pfn, free.Order));
                if (free.Order.Value < Order.Max && touched is not null && InMaxOrderFreeBlock(touched, free.Pfn))
                {
                    log.Reached(MergeToMaxOrder);
                }

                break;
        }
    }

    // The scenario bookkeeping below runs at every step: plain loops, where a lambda capturing the step would
    // allocate a closure each time.
    private Zone HighestAllowed(ZoneType highest)
    {
        var zones = impl.Layout.Zones;
        for (var i = zones.Length - 1; i >= 0; i--)
        {
            if (zones[i].Type <= highest)
            {
                return zones[i];
            }
        }

        throw new InvalidOperationException($"no zone up to {highest}: the model lets no allocation succeed there");
    }

    private int LiveIndexOf(Pfn pfn)
    {
        for (var i = 0; i < _live.Count; i++)
        {
            if (_live[i].Pfn == pfn)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool InMaxOrderFreeBlock(BuddySnapshot touched, Pfn pfn)
    {
        foreach (var block in touched.Free)
        {
            if (block.Order.Value == Order.Max && block.Contains(pfn))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Shrinking, written once for every component: drop steps, then shrink each argument of each step (every number
/// toward 0, every flag toward false, every optional argument toward none), then the machine (the layout's reserved
/// ranges, its frames and its zone boundaries). A component's steps are records; nothing per step is written.
/// </summary>
public static class Shrink
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Arguments = new();

    /// <summary>
    /// Simpler sequences of <paramref name="scenario"/>'s <paramref name="steps"/>: fewer steps, then simpler steps
    /// (<see cref="ArgumentsOf{T}"/>), each put back with <paramref name="with"/>, while the property's
    /// <see cref="ShrinkBudget"/> lasts.
    /// </summary>
    public static IEnumerable<TScenario> Sequence<TScenario, TStep>(TScenario scenario, ImmutableArray<TStep> steps,
        Func<TScenario, ImmutableArray<TStep>, TScenario> with)
        where TStep : class =>
        ShrinkBudget.Take(DropSteps(steps).Concat(EachStep(steps, ArgumentsOf)), s => s.Length)
            .Select(s => with(scenario, s));

    /// <summary>Shorter sequences: no steps at all, then without ever smaller chunks, down to single steps.</summary>
    public static IEnumerable<ImmutableArray<T>> DropSteps<T>(ImmutableArray<T> steps)
    {
        if (!steps.IsEmpty)
        {
            yield return [];
        }

        for (var chunk = steps.Length / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = steps.Length - chunk; start >= 0; start -= chunk)
            {
                yield return steps.RemoveRange(start, chunk);
            }
        }
    }

    /// <summary>The same sequence with step i replaced by each of its simpler forms.</summary>
    public static IEnumerable<ImmutableArray<T>> EachStep<T>(ImmutableArray<T> steps, Func<T, IEnumerable<T>> simpler)
    {
        for (var i = 0; i < steps.Length; i++)
        {
            foreach (var smaller in simpler(steps[i]))
            {
                yield return steps.SetItem(i, smaller);
            }
        }
    }

    /// <summary>
    /// The simpler forms of a step record, one argument at a time: an int, long or ulong toward 0 (0, half, one
    /// nearer), a byte toward 0, a bool toward false, a nullable argument toward null. Enums and other arguments
    /// stay: a component adds its own simpler values for those where it has them.
    /// </summary>
    public static IEnumerable<T> ArgumentsOf<T>(T step)
        where T : class
    {
        var type = step.GetType();
        var clone = type.GetMethod("<Clone>$");
        if (clone is null)
        {
            yield break;
        }

        foreach (var property in Arguments.GetOrAdd(type, ArgumentsOfType))
        {
            var value = property.GetValue(step);
            var optional = value is not null && Nullable.GetUnderlyingType(property.PropertyType) is not null;
            foreach (var smaller in optional ? Smaller(value).Prepend(null) : Smaller(value))
            {
                var simpler = (T)clone.Invoke(step, null)!;
                property.SetValue(simpler, smaller);
                yield return simpler;
            }
        }
    }

    /// <summary>Smaller layouts: each reserved range dropped, fewer frames, the lower zones' boundaries down.</summary>
    public static IEnumerable<MemoryLayout> Layout(MemoryLayout layout, ulong minFrames)
    {
        for (var i = 0; i < layout.Reserved.Length; i++)
        {
            yield return new MemoryLayout(
                layout.FrameCount, layout.Dma32Start, layout.NormalStart, layout.Reserved.RemoveAt(i));
        }

        foreach (var frames in Toward0(layout.FrameCount).Where(f => f >= Math.Max(1, minFrames)))
        {
            yield return new MemoryLayout(frames, layout.Dma32Start, layout.NormalStart,
                layout.Reserved.Where(r => r.End.Value <= frames));
        }

        foreach (var dma32 in Toward0(layout.Dma32Start.Value))
        {
            yield return new MemoryLayout(layout.FrameCount, new Pfn(dma32), layout.NormalStart, layout.Reserved);
        }

        var dmaEnd = layout.Dma32Start.Value;
        foreach (var above in Toward0(layout.NormalStart.Value - dmaEnd))
        {
            yield return new MemoryLayout(layout.FrameCount, layout.Dma32Start, new Pfn(dmaEnd + above),
                layout.Reserved);
        }
    }

    /// <summary>Smaller non-negative numbers, toward zero: 0, half, one less.</summary>
    public static IEnumerable<int> Toward0(int value)
    {
        if (value > 0)
        {
            yield return 0;
        }

        if (value > 2)
        {
            yield return value / 2;
        }

        if (value > 1)
        {
            yield return value - 1;
        }
    }

    public static IEnumerable<ulong> Toward0(ulong value) =>
        new[] { 0UL, value / 2, value - 1 }.Where(v => v < value).Distinct();

    /// <summary>Numbers nearer 0 on either side: 0, half, one nearer.</summary>
    private static IEnumerable<long> Toward0(long value) =>
        new[] { 0L, value / 2, value - Math.Sign(value) }.Where(v => Math.Abs(v) < Math.Abs(value)).Distinct();

    private static IEnumerable<object?> Smaller(object? value) => value switch
    {
        null => [],
        int i => Toward0((long)i).Select(v => (object?)(int)v),
        long l => Toward0(l).Select(v => (object?)v),
        ulong u => Toward0(u).Select(v => (object?)v),
        byte b => Toward0((long)b).Select(v => (object?)(byte)v),
        bool flag => flag ? [false] : [],
        _ => [],
    };

    /// <summary>The settable (init) arguments of a step record: its positional parameters.</summary>
    private static PropertyInfo[] ArgumentsOfType(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod?.IsPublic == true && p.GetIndexParameters().Length == 0)];
}

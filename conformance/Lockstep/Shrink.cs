using System.Collections.Immutable;

namespace MMSpec.Conformance.Lockstep;

/// <summary>Shrinking helpers shared by every component's generator: drop steps, then shrink numbers.</summary>
public static class Shrink
{
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
}

using System.Diagnostics.CodeAnalysis;

namespace MMSpec.Model.Core;

/// <summary>
/// An upper bound on a loop's iterations (TigerBeetle's "put a limit on everything"). A loop whose exit depends on a
/// computed step counts each iteration here: one that runs past its bound is a bug in this code, so it throws at once
/// instead of spinning, and mutation testing sees a crash rather than a timeout. Not a typed error: no caller can
/// cause it. The mutation configs ignore this type and its calls, since a bound that a correct loop never reaches
/// is invisible to every test.
/// </summary>
public struct LoopBound(long limit)
{
    private long _done;

    /// <summary>Counts one iteration; throws when the loop has run more than its bound.</summary>
    public void Next()
    {
        if (++_done > limit)
        {
            Exceeded(limit);
        }
    }

    [DoesNotReturn]
    private static void Exceeded(long limit) => throw new LoopBoundExceededException(limit);
}

/// <summary>A loop ran past its <see cref="LoopBound"/>: a broken invariant inside, never bad input.</summary>
public sealed class LoopBoundExceededException(long limit)
    : InvalidOperationException($"a loop ran past its bound of {limit} iterations");

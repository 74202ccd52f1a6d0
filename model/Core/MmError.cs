namespace MMSpec.Model.Core;

/// <summary>
/// A failure the caller caused (out of memory, bad pointer, double free ...): returned, never thrown.
/// Each subclass carries the offending values, so two errors compare equal only when they name the same problem.
/// </summary>
public abstract record MmError
{
    /// <summary>One line a kernel developer would recognise, naming the offending value.</summary>
    public abstract string Message { get; }

    public sealed override string ToString() => $"{GetType().Name}: {Message}";
}

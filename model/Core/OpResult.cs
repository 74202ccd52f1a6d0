namespace MMSpec.Model.Core;

/// <summary>
/// What one operation returned, without its static type: the value (a pfn, an address, a byte, <see cref="Unit"/>
/// ...) or the typed error. Two results are equal when both hold equal values or equal errors, which is how a
/// lockstep compares the implementation's answer with the model's.
/// </summary>
public readonly record struct OpResult(object? Value, MmError? Error)
{
    public bool IsOk => Error is null;

    public static OpResult Of<T>(Result<T> result) => result.IsOk ? new(result.Value, null) : new(null, result.Error);

    public override string ToString() => Error?.ToString() ?? Value?.ToString() ?? "null";
}

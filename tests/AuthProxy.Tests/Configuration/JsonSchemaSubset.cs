using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AuthProxy.Tests.Configuration;

/// <summary>
/// A JSON Schema (draft 2020-12) evaluator for the keywords <c>config/authproxy.schema.json</c> uses. No JSON-schema
/// package restores from this project's feed (JsonSchema.Net needs JsonPointer.Net, NJsonSchema needs
/// NJsonSchema.Annotations and a newer Namotion.Reflection: none are served), so the tests carry this subset.
/// A keyword it does not implement makes the constructor throw: the schema cannot use something the tests ignore.
/// Only local references (<c>#/$defs/…</c>) are resolved; <c>format</c> is an annotation, as 2020-12 defines it.
/// </summary>
internal sealed class JsonSchemaSubset
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples", "format", "deprecated",
        "enumDescriptions", // VS Code's descriptions of enum values
    };

    private static readonly HashSet<string> Assertions = new(StringComparer.Ordinal)
    {
        "$ref", "type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "required", "properties", "patternProperties", "additionalProperties", "propertyNames",
        "dependentRequired", "minProperties", "maxProperties", "items", "minItems", "maxItems", "uniqueItems",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    };

    private readonly JsonElement _root;
    private readonly ConcurrentDictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    public JsonSchemaSubset(JsonElement root)
    {
        _root = root;
        CheckKeywords(root, "#");
    }

    /// <summary>Validates an instance; returns one message per failed assertion, each starting with its JSON pointer.</summary>
    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Evaluate(_root, instance, "", errors);
        return errors;
    }

    private static void CheckKeywords(JsonElement schema, string at)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new NotSupportedException($"{at}: a schema must be an object or a boolean");
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            if (!Annotations.Contains(keyword.Name) && !Assertions.Contains(keyword.Name))
            {
                throw new NotSupportedException($"{at}: keyword '{keyword.Name}' is not implemented by the test's schema check");
            }

            switch (keyword.Name)
            {
                case "properties" or "patternProperties" or "$defs":
                    foreach (var sub in keyword.Value.EnumerateObject())
                    {
                        CheckKeywords(sub.Value, $"{at}/{keyword.Name}/{sub.Name}");
                    }

                    break;
                case "additionalProperties" or "propertyNames" or "items" or "not" or "if" or "then" or "else":
                    CheckKeywords(keyword.Value, $"{at}/{keyword.Name}");
                    break;
                case "allOf" or "anyOf" or "oneOf":
                    var i = 0;
                    foreach (var sub in keyword.Value.EnumerateArray())
                    {
                        CheckKeywords(sub, $"{at}/{keyword.Name}/{i++}");
                    }

                    break;
            }
        }
    }

    private bool IsValid(JsonElement schema, JsonElement instance, string path)
    {
        var errors = new List<string>();
        Evaluate(schema, instance, path, errors);
        return errors.Count == 0;
    }

    private void Evaluate(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{Show(path)}: not allowed here");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Evaluate(Resolve(reference.GetString()!), instance, path, errors);
        }

        if (schema.TryGetProperty("type", out var type) && !HasType(instance, type))
        {
            errors.Add($"{Show(path)}: expected {type.GetRawText()}, got {instance.ValueKind}");
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, instance)))
        {
            errors.Add($"{Show(path)}: {instance.GetRawText()} is not one of {values.GetRawText()}");
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, instance))
        {
            errors.Add($"{Show(path)}: {instance.GetRawText()} is not {constant.GetRawText()}");
        }

        switch (instance.ValueKind)
        {
            case JsonValueKind.String:
                EvaluateString(schema, instance.GetString()!, path, errors);
                break;
            case JsonValueKind.Number:
                EvaluateNumber(schema, instance.GetDouble(), path, errors);
                break;
            case JsonValueKind.Object:
                EvaluateObject(schema, instance, path, errors);
                break;
            case JsonValueKind.Array:
                EvaluateArray(schema, instance, path, errors);
                break;
        }

        EvaluateApplicators(schema, instance, path, errors);
    }

    private void EvaluateString(JsonElement schema, string value, string path, List<string> errors)
    {
        var length = value.EnumerateRunes().Count();
        if (schema.TryGetProperty("minLength", out var min) && length < min.GetInt32())
        {
            errors.Add($"{Show(path)}: shorter than {min.GetInt32()}");
        }

        if (schema.TryGetProperty("maxLength", out var max) && length > max.GetInt32())
        {
            errors.Add($"{Show(path)}: longer than {max.GetInt32()}");
        }

        if (schema.TryGetProperty("pattern", out var pattern) && !Pattern(pattern.GetString()!).IsMatch(value))
        {
            errors.Add($"{Show(path)}: \"{value}\" does not match {pattern.GetString()}");
        }
    }

    private static void EvaluateNumber(JsonElement schema, double value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("minimum", out var min) && value < min.GetDouble())
        {
            errors.Add($"{Show(path)}: {value.ToString(CultureInfo.InvariantCulture)} is less than {min.GetRawText()}");
        }

        if (schema.TryGetProperty("maximum", out var max) && value > max.GetDouble())
        {
            errors.Add($"{Show(path)}: {value.ToString(CultureInfo.InvariantCulture)} is more than {max.GetRawText()}");
        }

        if (schema.TryGetProperty("exclusiveMinimum", out var xmin) && value <= xmin.GetDouble())
        {
            errors.Add($"{Show(path)}: {value.ToString(CultureInfo.InvariantCulture)} is not more than {xmin.GetRawText()}");
        }

        if (schema.TryGetProperty("exclusiveMaximum", out var xmax) && value >= xmax.GetDouble())
        {
            errors.Add($"{Show(path)}: {value.ToString(CultureInfo.InvariantCulture)} is not less than {xmax.GetRawText()}");
        }
    }

    private void EvaluateObject(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        var names = instance.EnumerateObject().Select(p => p.Name).ToList();
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(r => !names.Contains(r, StringComparer.Ordinal)))
            {
                errors.Add($"{Show(path)}: required property '{name}' is missing");
            }
        }

        if (schema.TryGetProperty("minProperties", out var minProperties) && names.Count < minProperties.GetInt32())
        {
            errors.Add($"{Show(path)}: needs at least {minProperties.GetInt32()} propert(ies)");
        }

        if (schema.TryGetProperty("maxProperties", out var maxProperties) && names.Count > maxProperties.GetInt32())
        {
            errors.Add($"{Show(path)}: allows at most {maxProperties.GetInt32()} propert(ies), has {string.Join(", ", names)}");
        }

        if (schema.TryGetProperty("dependentRequired", out var dependent))
        {
            foreach (var rule in dependent.EnumerateObject().Where(r => names.Contains(r.Name, StringComparer.Ordinal)))
            {
                foreach (var needed in rule.Value.EnumerateArray().Select(n => n.GetString()!).Where(n => !names.Contains(n, StringComparer.Ordinal)))
                {
                    errors.Add($"{Show(path)}: '{rule.Name}' needs '{needed}'");
                }
            }
        }

        schema.TryGetProperty("properties", out var properties);
        schema.TryGetProperty("patternProperties", out var patternProperties);
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        var hasNames = schema.TryGetProperty("propertyNames", out var propertyNames);
        foreach (var property in instance.EnumerateObject())
        {
            var at = $"{path}/{Escape(property.Name)}";
            var matched = false;
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                matched = true;
                Evaluate(propertySchema, property.Value, at, errors);
            }

            if (patternProperties.ValueKind == JsonValueKind.Object)
            {
                foreach (var candidate in patternProperties.EnumerateObject().Where(c => Pattern(c.Name).IsMatch(property.Name)))
                {
                    matched = true;
                    Evaluate(candidate.Value, property.Value, at, errors);
                }
            }

            if (!matched && hasAdditional)
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{Show(at)}: unknown property '{property.Name}'");
                }
                else
                {
                    Evaluate(additional, property.Value, at, errors);
                }
            }

            if (hasNames)
            {
                using var name = JsonDocument.Parse(JsonSerializer.Serialize(property.Name));
                if (!IsValid(propertyNames, name.RootElement, at))
                {
                    errors.Add($"{Show(at)}: property name '{property.Name}' is not allowed here");
                }
            }
        }
    }

    private void EvaluateArray(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        var count = instance.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetInt32())
        {
            errors.Add($"{Show(path)}: needs at least {min.GetInt32()} item(s)");
        }

        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetInt32())
        {
            errors.Add($"{Show(path)}: allows at most {max.GetInt32()} item(s)");
        }

        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True)
        {
            var items = instance.EnumerateArray().ToList();
            if (items.Where((item, i) => items.Skip(i + 1).Any(other => JsonElement.DeepEquals(item, other))).Any())
            {
                errors.Add($"{Show(path)}: items are not unique");
            }
        }

        if (schema.TryGetProperty("items", out var itemSchema))
        {
            var i = 0;
            foreach (var item in instance.EnumerateArray())
            {
                Evaluate(itemSchema, item, $"{path}/{i++}", errors);
            }
        }
    }

    private void EvaluateApplicators(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var sub in allOf.EnumerateArray())
            {
                Evaluate(sub, instance, path, errors);
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && !anyOf.EnumerateArray().Any(sub => IsValid(sub, instance, path)))
        {
            errors.Add($"{Show(path)}: matches none of anyOf ({string.Join(" | ", anyOf.EnumerateArray().Select(sub => FirstError(sub, instance, path)))})");
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matches = oneOf.EnumerateArray().Count(sub => IsValid(sub, instance, path));
            if (matches != 1)
            {
                errors.Add($"{Show(path)}: matches {matches} of oneOf, not exactly one");
            }
        }

        if (schema.TryGetProperty("not", out var not) && IsValid(not, instance, path))
        {
            errors.Add($"{Show(path)}: matches a schema it must not ({not.GetRawText()})");
        }

        if (schema.TryGetProperty("if", out var condition))
        {
            var branch = IsValid(condition, instance, path) ? "then" : "else";
            if (schema.TryGetProperty(branch, out var consequence))
            {
                Evaluate(consequence, instance, path, errors);
            }
        }
    }

    private string FirstError(JsonElement schema, JsonElement instance, string path)
    {
        var errors = new List<string>();
        Evaluate(schema, instance, path, errors);
        return errors.Count == 0 ? "ok" : errors[0];
    }

    private static bool HasType(JsonElement instance, JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => HasType(instance, t.GetString()!))
        : HasType(instance, type.GetString()!);

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && Math.Floor(instance.GetDouble()) == instance.GetDouble(),
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"unknown type '{type}'"),
    };

    private JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"only local references are supported: '{reference}'");
        }

        var node = _root;
        foreach (var token in reference[2..].Split('/'))
        {
            var name = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (!node.TryGetProperty(name, out node))
            {
                throw new InvalidOperationException($"reference '{reference}' does not resolve");
            }
        }

        return node;
    }

    // ECMAScript semantics for \d, \w and \s (ASCII), as JSON Schema patterns are ECMA-262 regular expressions.
    private Regex Pattern(string pattern) => _patterns.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.ECMAScript));

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Show(string path) => path.Length == 0 ? "(root)" : path;
}

"""Layers: published versions, Python's layout under /opt, the order layers override each
other, the 5-layer and 250 MB limits with AWS's errors, and the REST API through boto3."""

import io
import json
import os
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdakit import InvalidParameterValueException, ResourceNotFoundException, ValidationException
from lambdakit.core.limits import PACKAGE_UNZIPPED_MAX_BYTES

HANDLER = """
import sys
import shared, only_first, from_site_packages

def lambda_handler(event, context):
    return {"shared": shared.WHO, "first": only_first.X, "site": from_site_packages.Y,
            "path": [p for p in sys.path if p.startswith(("/opt", "/var/task"))][:3]}
"""


def write(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return str(root)


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


@pytest.fixture
def two_layers(tmp_path):
    first = write(tmp_path / "first", {
        "python/shared/__init__.py": "WHO = 'first'\n",
        "python/only_first.py": "X = 1\n",
        "notes.txt": "from the first layer\n"})
    second = zipped({
        "python/shared/__init__.py": "WHO = 'second'\n",
        "python/lib/python3.12/site-packages/from_site_packages/__init__.py": "Y = 2\n"})
    return first, second


def test_handlers_import_from_layers_in_python_layout(virtual, two_layers):
    first, second = two_layers
    one = virtual.publish_layer_version("first", first, description="shared code",
                                        compatible_runtimes=["python3.12"])
    two = virtual.publish_layer_version("second", second)
    assert one["LayerVersionArn"] == "arn:aws:lambda:us-east-1:123456789012:layer:first:1"
    assert (one["Version"], one["Description"], one["CompatibleRuntimes"]) == (1, "shared code", ["python3.12"])
    assert two["Content"]["CodeSize"] == len(second)

    virtual.create_function("uses", HANDLER, layers=[one["LayerVersionArn"], two["LayerVersionArn"]])
    result = virtual.invoke("uses").result
    # The later layer's python/shared replaces the earlier one's; both layers' other files stay.
    assert (result["shared"], result["first"], result["site"]) == ("second", 1, 2)
    if virtual.isolation["private_tmp_and_var_task"]:
        assert result["path"] == ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python"]
    assert virtual.get_function_configuration("uses")["Layers"] == [
        {"Arn": one["LayerVersionArn"]}, {"Arn": two["LayerVersionArn"]}]

    # Reversed, the first layer's module wins.
    virtual.update_function_configuration("uses", layers=[two["LayerVersionArn"], one["LayerVersionArn"]])
    assert virtual.invoke("uses").result["shared"] == "first"


def test_files_at_the_top_of_a_layer_are_in_opt_but_not_importable(virtual, tmp_path):
    layer = virtual.publish_layer_version("flat", write(tmp_path / "flat", {
        "utils/__init__.py": "OK = True\n", "notes.txt": "hello\n"}))
    code = ("import os\n"
            "def lambda_handler(event, context):\n"
            "    try:\n"
            "        import utils\n"
            "        return 'imported'\n"
            "    except ImportError:\n"
            "        return sorted(os.listdir('/opt')) if os.path.isdir('/opt/utils') else 'not importable'\n")
    virtual.create_function("flat", code, layers=[layer["LayerVersionArn"]])
    result = virtual.invoke("flat").result
    assert result in (["notes.txt", "utils"], "not importable")
    if virtual.isolation["private_tmp_and_var_task"]:
        assert result == ["notes.txt", "utils"]


def test_without_a_private_opt_layer_directories_go_on_sys_path(make_runtime, monkeypatch, two_layers):
    monkeypatch.setattr("lambdakit.runtime.sandbox.namespaces_available", lambda: False)
    runtime = make_runtime(clock="virtual")
    first, second = two_layers
    arns = [runtime.publish_layer_version(n, c)["LayerVersionArn"] for n, c in (("a", first), ("b", second))]
    runtime.create_function("uses", HANDLER, layers=arns)
    result = runtime.invoke("uses").result
    assert (result["shared"], result["first"], result["site"]) == ("second", 1, 2)


def test_layer_versions_are_numbered_listed_and_deleted(virtual, tmp_path):
    source = write(tmp_path / "l", {"python/m.py": "X = 1\n"})
    arns = [virtual.publish_layer_version("lib", source)["LayerVersionArn"] for _ in range(3)]
    assert [a.rsplit(":", 1)[1] for a in arns] == ["1", "2", "3"]
    assert [v["Version"] for v in virtual.list_layer_versions("lib")] == [3, 2, 1]
    assert virtual.list_layers()[0]["LatestMatchingVersion"]["Version"] == 3
    assert virtual.get_layer_version_by_arn(arns[1])["Version"] == 2

    virtual.create_function("keeps", "import m\ndef lambda_handler(e, c):\n    return m.X\n", layers=[arns[2]])
    virtual.delete_layer_version("lib", 3)
    assert [v["Version"] for v in virtual.list_layer_versions("lib")] == [2, 1]
    with pytest.raises(ResourceNotFoundException):
        virtual.get_layer_version("lib", 3)
    # A function keeps the layer it had; a new one may not reference the deleted version.
    assert virtual.invoke("keeps").result == 1
    assert virtual.publish_layer_version("lib", source)["Version"] == 4  # numbers are never reused


def test_layer_references_are_validated_as_lambda_does(virtual, tmp_path):
    source = write(tmp_path / "l", {"python/m.py": "X = 1\n"})
    arns = [virtual.publish_layer_version(f"lib{i}", source)["LayerVersionArn"] for i in range(6)]
    code = "def lambda_handler(e, c):\n    return 1\n"
    with pytest.raises(InvalidParameterValueException, match=r"^InvalidParameterValueException: "
                       r"Cannot reference more than 5 layers\.$"):
        virtual.create_function("six", code, layers=arns)
    missing = "arn:aws:lambda:us-east-1:123456789012:layer:nope:1"
    with pytest.raises(InvalidParameterValueException, match=f"Layer version {missing} does not exist."):
        virtual.create_function("missing", code, layers=[missing])
    second = virtual.publish_layer_version("lib0", source)["LayerVersionArn"]
    with pytest.raises(InvalidParameterValueException, match="Two different versions of the same layer"):
        virtual.create_function("twice", code, layers=[arns[0], second])
    with pytest.raises(ValidationException, match="at 'layers' failed to satisfy constraint"):
        virtual.create_function("unversioned", code, layers=["arn:aws:lambda:us-east-1:123456789012:layer:lib0"])
    virtual.create_function("five", code, layers=arns[:5])
    assert [f["FunctionName"] for f in virtual.list_functions()] == ["five"]


def test_code_and_layers_over_250_mb_unzipped_are_refused(virtual, tmp_path):
    # Zeros compress to almost nothing, so the ZIPs are small and the unzipped sizes real.
    third = PACKAGE_UNZIPPED_MAX_BYTES // 3
    big = [virtual.publish_layer_version(f"big{i}", zipped({"python/blob.bin": bytes(third)}))["LayerVersionArn"]
           for i in range(2)]
    code = {"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"}
    virtual.create_function("fits", zipped({**code, "blob.bin": bytes(third - 1000)}), layers=big)
    too_big = zipped({**code, "blob.bin": bytes(third + 1000)})
    with pytest.raises(InvalidParameterValueException) as refused:
        virtual.create_function("too-big", too_big, layers=big)
    expected_total = 2 * third + third + 1000 + len(code["lambda_function.py"])
    assert refused.value.message == (
        "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. "
        f"The actual size is {expected_total} bytes.")
    with pytest.raises(InvalidParameterValueException, match="combined with layers exceeds"):
        virtual.update_function_code("fits", too_big)
    small = virtual.publish_layer_version("small", zipped({"python/x.py": "X = 1\n"}))["LayerVersionArn"]
    virtual.create_function("alone", too_big, layers=[small])
    with pytest.raises(InvalidParameterValueException, match="combined with layers exceeds"):
        virtual.update_function_configuration("alone", layers=[small, *big])
    assert virtual.invoke("fits").result == 1


def test_layers_over_the_rest_api(virtual, two_layers):
    client = boto3.client("lambda", endpoint_url=virtual.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    _, second = two_layers
    published = client.publish_layer_version(LayerName="shared", Content={"ZipFile": second},
                                             CompatibleRuntimes=["python3.12"], Description="d")
    assert published["LayerVersionArn"].endswith(":layer:shared:1")
    assert client.get_layer_version(LayerName="shared", VersionNumber=1)["Description"] == "d"
    assert client.get_layer_version_by_arn(Arn=published["LayerVersionArn"])["Version"] == 1
    assert [v["Version"] for v in client.list_layer_versions(LayerName="shared")["LayerVersions"]] == [1]
    assert [l["LayerName"] for l in client.list_layers()["Layers"]] == ["shared"]
    code = zipped({"lambda_function.py": "import shared\ndef lambda_handler(e, c):\n    return shared.WHO\n"})
    client.create_function(FunctionName="viaapi", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                           Handler="lambda_function.lambda_handler", Code={"ZipFile": code},
                           Layers=[published["LayerVersionArn"]])
    assert json.loads(client.invoke(FunctionName="viaapi")["Payload"].read()) == "second"
    with pytest.raises(ClientError) as missing:
        client.create_function(FunctionName="nolayer", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                               Handler="lambda_function.lambda_handler", Code={"ZipFile": code},
                               Layers=["arn:aws:lambda:us-east-1:123456789012:layer:none:9"])
    assert missing.value.response["Error"]["Code"] == "InvalidParameterValueException"
    client.delete_layer_version(LayerName="shared", VersionNumber=1)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_layer_version(LayerName="shared", VersionNumber=1)

package datasets

// DecodeAll is decodeAll, for the tests of package datasets_test.
var DecodeAll = decodeAll

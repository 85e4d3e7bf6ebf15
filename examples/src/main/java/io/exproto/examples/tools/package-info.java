/**
 * Tools that go with the examples: a small device load client for a quick look at a gateway's
 * figures. Not deployed; the benchmark module measures properly.
 */
package io.exproto.examples.tools;

/** Authentication and authorization SPIs, with allow-all defaults. */
package io.exproto.auth;
